import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  CONV_CASES,
  caseShapes,
  loopFilterGrad,
  loopInputGrad,
  relativeError,
  seededValues,
  type ConvCase,
} from './conv-test-helpers';
import { registerCpuTrainingKernels } from './cpu-kernels';
import { getStockKernel } from './kernel-registry';

const TOLERANCE = 1e-4;

type KernelName = 'Conv2DBackpropFilter' | 'Conv2DBackpropInput';

beforeAll(async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
  registerCpuTrainingKernels();
});

function caseData(c: ConvCase): { x: Float32Array; dy: Float32Array; filter: Float32Array } {
  const { xShape, dyShape, filterShape } = caseShapes(c);
  return {
    x: seededValues(tf.util.sizeFromShape(xShape), 4),
    dy: seededValues(tf.util.sizeFromShape(dyShape), 5),
    filter: seededValues(tf.util.sizeFromShape(filterShape), 6),
  };
}

function kernelInputs(
  kernelName: KernelName,
  c: ConvCase,
): { inputs: Record<string, tf.Tensor>; attrs: object } {
  const { xShape, dyShape, filterShape } = caseShapes(c);
  const { x, dy, filter } = caseData(c);
  const common = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC' };
  return kernelName === 'Conv2DBackpropFilter'
    ? {
        inputs: { x: tf.tensor4d(x, xShape), dy: tf.tensor4d(dy, dyShape) },
        attrs: { ...common, filterShape },
      }
    : {
        inputs: { dy: tf.tensor4d(dy, dyShape), filter: tf.tensor4d(filter, filterShape) },
        attrs: { ...common, inputShape: xShape },
      };
}

/** Runs the registered kernel (custom or stock) through the engine. */
function runRegistered(kernelName: KernelName, c: ConvCase): Float32Array {
  return tf.tidy(() => {
    const { inputs, attrs } = kernelInputs(kernelName, c);
    const result = tf.engine().runKernel(kernelName, inputs, attrs as never) as tf.Tensor;
    return result.dataSync() as Float32Array;
  });
}

/** Runs the stock tfjs-backend-cpu kernel that the custom one replaced. */
function runStock(kernelName: KernelName, c: ConvCase): Float32Array {
  return tf.tidy(() => {
    const { inputs, attrs } = kernelInputs(kernelName, c);
    const stock = getStockKernel(kernelName, 'cpu');
    expect(stock).toBeDefined();
    const info = stock!.kernelFunc({
      inputs,
      backend: tf.backend(),
      attrs: attrs as never,
    }) as tf.TensorInfo;
    const values = tf.backend().readSync(info.dataId) as Float32Array;
    tf.backend().disposeData(info.dataId);
    return values;
  });
}

function loopReference(kernelName: KernelName, c: ConvCase): Float32Array {
  const { x, dy, filter } = caseData(c);
  return kernelName === 'Conv2DBackpropFilter'
    ? loopFilterGrad(x, dy, c)
    : loopInputGrad(dy, filter, c);
}

const KERNEL_CASES = (['Conv2DBackpropFilter', 'Conv2DBackpropInput'] as const).flatMap(
  (kernelName) => CONV_CASES.map((c) => [kernelName, c.name, c] as const),
);

describe('loop reference', () => {
  it.each(KERNEL_CASES)('agrees with stock cpu %s for %s', (kernelName, _, c) => {
    expect(relativeError(runStock(kernelName, c), loopReference(kernelName, c))).toBeLessThan(
      TOLERANCE,
    );
  });
});

describe('cpu Conv2DBackpropFilter', () => {
  it.each(CONV_CASES.map((c) => [c.name, c] as const))(
    'matches the loop reference for %s',
    (_, c) => {
      const actual = runRegistered('Conv2DBackpropFilter', c);
      expect(relativeError(actual, loopReference('Conv2DBackpropFilter', c))).toBeLessThan(
        TOLERANCE,
      );
    },
  );

  it('replaces only the filter gradient', () => {
    const filterKernel = tf.getKernel('Conv2DBackpropFilter', 'cpu').kernelFunc;
    const inputKernel = tf.getKernel('Conv2DBackpropInput', 'cpu').kernelFunc;
    expect(filterKernel).not.toBe(getStockKernel('Conv2DBackpropFilter', 'cpu')?.kernelFunc);
    expect(inputKernel).toBe(getStockKernel('Conv2DBackpropInput', 'cpu')?.kernelFunc);
  });

  it('leaves no tensors or data buffers behind', () => {
    for (const c of CONV_CASES) {
      runRegistered('Conv2DBackpropFilter', c);
      const before = tf.memory();
      runRegistered('Conv2DBackpropFilter', c);
      expect(tf.memory().numTensors, c.name).toBe(before.numTensors);
      expect(tf.memory().numDataBuffers, c.name).toBe(before.numDataBuffers);
    }
  });
});

describe('cpu MaxPoolGrad', () => {
  const cases: [string, [number, number, number, number], number, number, 'valid' | 'same'][] = [
    ['NiN pool 3x3 s2 valid', [2, 13, 13, 5], 3, 2, 'valid'],
    ['3x3 s1 same', [2, 6, 6, 3], 3, 1, 'same'],
    ['2x2 s2 same on odd size', [1, 7, 7, 4], 2, 2, 'same'],
  ];

  /** dx from `kernel`, with about a third of x exactly 0 so that windows tie. */
  function poolGradient(
    kernel: tf.KernelConfig,
    [shape, window, stride, pad]: [[number, number, number, number], number, number, string],
  ): Float32Array {
    return tf.tidy(() => {
      const values = seededValues(tf.util.sizeFromShape(shape), 8).map((v) => (v < -0.3 ? 0 : v));
      const x = tf.tensor4d(values, shape);
      const output = tf.maxPool(x, window, stride, pad as 'valid' | 'same');
      const dy = tf.tensor(seededValues(output.size, 9), output.shape);
      const attrs = { filterSize: window, strides: stride, pad };
      const dx = kernel.kernelFunc({
        inputs: { dy, input: x, output },
        backend: tf.backend(),
        attrs,
      }) as tf.TensorInfo;
      return tf.engine().makeTensorFromTensorInfo(dx).dataSync() as Float32Array;
    });
  }

  it.each(cases)('matches the stock kernel for %s', (_, shape, window, stride, pad) => {
    const stock = getStockKernel('MaxPoolGrad', 'cpu');
    expect(stock).toBeDefined();
    const expected = poolGradient(stock!, [shape, window, stride, pad]);
    const actual = poolGradient(tf.getKernel('MaxPoolGrad', 'cpu')!, [shape, window, stride, pad]);
    const receivers = (dx: Float32Array): number[] =>
      Array.from(dx.keys()).filter((index) => dx[index] !== 0);
    expect(receivers(actual)).toEqual(receivers(expected));
    expect(relativeError(actual, expected)).toBeLessThan(1e-5);
  });
});

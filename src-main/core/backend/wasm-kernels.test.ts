import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// tfjs-layers registers the gradient functions that tf.grads needs.
import '@tensorflow/tfjs-layers';
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
import { conv2dBackpropInputByConv } from './conv-backprop';
import { KernelCalls } from './kernel-calls';
import { getStockKernel } from './kernel-registry';
import { registerWasmTrainingKernels } from './wasm-kernels';

const TOLERANCE = 1e-4;

beforeAll(async () => {
  expect(await tf.setBackend('wasm')).toBe(true);
  registerWasmTrainingKernels();
});

function filterGradOnWasm(c: ConvCase, x: Float32Array, dy: Float32Array): Float32Array {
  const { xShape, dyShape, filterShape } = caseShapes(c);
  return tf.tidy(() => {
    const inputs = { x: tf.tensor4d(x, xShape), dy: tf.tensor4d(dy, dyShape) };
    const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', filterShape };
    const dw = tf.engine().runKernel('Conv2DBackpropFilter', inputs, attrs as never) as tf.Tensor;
    expect(dw.shape).toEqual(filterShape);
    return dw.dataSync() as Float32Array;
  });
}

function inputGradOnWasm(c: ConvCase, dy: Float32Array, filter: Float32Array): Float32Array {
  const { xShape, dyShape, filterShape } = caseShapes(c);
  return tf.tidy(() => {
    const inputs = { dy: tf.tensor4d(dy, dyShape), filter: tf.tensor4d(filter, filterShape) };
    const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', inputShape: xShape };
    const dx = tf.engine().runKernel('Conv2DBackpropInput', inputs, attrs as never) as tf.Tensor;
    expect(dx.shape).toEqual(xShape);
    return dx.dataSync() as Float32Array;
  });
}

/** Calls the convolution formulation directly, bypassing the stride limit of the kernel. */
function inputGradByConv(c: ConvCase, dy: Float32Array, filter: Float32Array): Float32Array | null {
  const { xShape, dyShape, filterShape } = caseShapes(c);
  const backend = tf.backend();
  const dyTensor = tf.tensor4d(dy, dyShape);
  const filterTensor = tf.tensor4d(filter, filterShape);
  const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', inputShape: xShape } as const;
  const dx = conv2dBackpropInputByConv(
    new KernelCalls(backend, 'wasm'),
    dyTensor,
    filterTensor,
    attrs,
  );
  tf.dispose([dyTensor, filterTensor]);
  if (dx === null) {
    return null;
  }
  const values = backend.readSync(dx.dataId) as Float32Array;
  backend.disposeData(dx.dataId);
  return values;
}

function caseData(c: ConvCase): { x: Float32Array; dy: Float32Array; filter: Float32Array } {
  const { xShape, dyShape, filterShape } = caseShapes(c);
  return {
    x: seededValues(tf.util.sizeFromShape(xShape), 1),
    dy: seededValues(tf.util.sizeFromShape(dyShape), 2),
    filter: seededValues(tf.util.sizeFromShape(filterShape), 3),
  };
}

describe('wasm Conv2DBackpropFilter', () => {
  it.each(CONV_CASES.map((c) => [c.name, c] as const))(
    'matches the loop reference for %s',
    (_, c) => {
      const { x, dy } = caseData(c);
      const actual = filterGradOnWasm(c, x, dy);
      expect(relativeError(actual, loopFilterGrad(x, dy, c))).toBeLessThan(TOLERANCE);
    },
  );

  it('leaves no tensors or wasm buffers behind', () => {
    for (const c of CONV_CASES) {
      const { x, dy } = caseData(c);
      filterGradOnWasm(c, x, dy);
      const before = tf.memory();
      filterGradOnWasm(c, x, dy);
      expect(tf.memory().numTensors, c.name).toBe(before.numTensors);
      expect(tf.memory().numDataBuffers, c.name).toBe(before.numDataBuffers);
    }
  });
});

describe('wasm Conv2DBackpropInput', () => {
  it.each(CONV_CASES.map((c) => [c.name, c] as const))(
    'matches the loop reference for %s',
    (_, c) => {
      const { dy, filter } = caseData(c);
      const actual = inputGradOnWasm(c, dy, filter);
      expect(relativeError(actual, loopInputGrad(dy, filter, c))).toBeLessThan(TOLERANCE);
    },
  );

  it('leaves no tensors or wasm buffers behind', () => {
    for (const c of CONV_CASES) {
      const { dy, filter } = caseData(c);
      inputGradOnWasm(c, dy, filter);
      const before = tf.memory();
      inputGradOnWasm(c, dy, filter);
      expect(tf.memory().numTensors, c.name).toBe(before.numTensors);
      expect(tf.memory().numDataBuffers, c.name).toBe(before.numDataBuffers);
    }
  });

  it.each(CONV_CASES.map((c) => [c.name, c] as const))(
    'as a convolution matches the loop reference for %s',
    (_, c) => {
      const { dy, filter } = caseData(c);
      const { padInfo } = caseShapes(c).info;
      const actual = inputGradByConv(c, dy, filter);
      if (padInfo.top > c.kernel - 1 || padInfo.left > c.kernel - 1) {
        expect(actual, 'padding wider than the filter needs the stock kernel').toBeNull();
        return;
      }
      expect(actual).not.toBeNull();
      expect(relativeError(actual!, loopInputGrad(dy, filter, c))).toBeLessThan(TOLERANCE);
    },
  );

  it('as a convolution leaves no wasm buffers behind', () => {
    for (const c of CONV_CASES) {
      const { dy, filter } = caseData(c);
      inputGradByConv(c, dy, filter);
      const before = tf.memory();
      inputGradByConv(c, dy, filter);
      expect(tf.memory().numTensors, c.name).toBe(before.numTensors);
      expect(tf.memory().numDataBuffers, c.name).toBe(before.numDataBuffers);
    }
  });

  it('keeps the stock kernel for the fallback', () => {
    const stock = getStockKernel('Conv2DBackpropInput', 'wasm');
    expect(stock).toBeDefined();
    expect(stock?.kernelFunc).not.toBe(tf.getKernel('Conv2DBackpropInput', 'wasm').kernelFunc);
  });
});

/** Gradients of Σ r · relu(conv(x, w) + b) with respect to x, w and b on one backend. */
async function layerGradients(
  backend: 'wasm' | 'cpu',
  c: ConvCase,
  fused: boolean,
): Promise<Float32Array[]> {
  expect(await tf.setBackend(backend)).toBe(true);
  const { xShape, dyShape, filterShape } = caseShapes(c);
  const { x, dy, filter } = caseData(c);
  const grads = tf.tidy(() => {
    const weights = dy.subarray(0, c.outChannels);
    const loss = (xs: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D): tf.Scalar => {
      const y = fused
        ? tf.fused.conv2d({
            x: xs,
            filter: w,
            strides: c.stride,
            pad: c.pad,
            bias: b,
            activation: 'relu',
          })
        : tf.relu(tf.add(tf.conv2d(xs, w, c.stride, c.pad), b));
      return tf.sum(tf.mul(y, tf.tensor4d(dy, dyShape)));
    };
    const inputs = [tf.tensor4d(x, xShape), tf.tensor4d(filter, filterShape), tf.tensor1d(weights)];
    return tf
      .grads(loss as (...args: tf.Tensor[]) => tf.Tensor)(inputs)
      .map((g) => g.dataSync() as Float32Array);
  });
  await tf.setBackend('wasm');
  return grads;
}

describe('conv layer gradients through tf.grads', () => {
  const cases = CONV_CASES.filter((c) => typeof c.pad !== 'object').slice(0, 12);
  it.each(cases.flatMap((c) => [[c.name, false, c] as const, [c.name, true, c] as const]))(
    'wasm agrees with stock cpu for %s (fused %s)',
    async (_, fused, c) => {
      const onWasm = await layerGradients('wasm', c, fused);
      const onCpu = await layerGradients('cpu', c, fused);
      for (const [i, name] of ['dx', 'dw', 'db'].entries()) {
        expect(relativeError(onWasm[i], onCpu[i]), name).toBeLessThan(TOLERANCE);
      }
    },
  );
});

describe('wasm kernels for NiN training', () => {
  it.each([
    'Conv2DBackpropFilter',
    'Conv2DBackpropInput',
    'MaxPoolGrad',
    'AvgPoolGrad',
    'Step',
    'Softmax',
  ])('has %s registered', (kernelName) => {
    expect(tf.getKernel(kernelName, 'wasm')).toBeDefined();
  });
});

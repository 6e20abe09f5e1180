import '@tensorflow/tfjs-backend-cpu';
// tfjs-layers registers the gradient functions that training needs.
import '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import { availableParallelism } from 'node:os';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { BatchReader, shuffledOrder } from '../data/batches';
import { buildModel } from '../model/build';
import { batchGradients } from '../train/step';
import { smallDataset, TINY_HYPERPARAMETERS, TINY_SPEC } from '../train/test-helpers';
import { initBackend, type BackendReport } from './backends';
import {
  CONV_CASES,
  caseShapes,
  loopFilterGrad,
  loopInputGrad,
  relativeError,
  seededValues,
} from './conv-test-helpers';
import { registerCpuTrainingKernels } from './cpu-kernels';
import { resolveWasmThreads, WASM_THREADS_ENV_VAR } from './wasm-threads';

const TOLERANCE = 1e-4;

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('resolveWasmThreads', () => {
  it.each([
    ['3', undefined, 3],
    [' 2 ', 4, 2],
    ['1', 8, 1],
    ['', 4, 4],
    [undefined, 5, 5],
  ])('reads %j from the environment over the option %j', (envValue, requested, expected) => {
    expect(resolveWasmThreads(requested, { [WASM_THREADS_ENV_VAR]: envValue })).toBe(expected);
  });

  it('defaults to the logical cores, at most 8', () => {
    expect(resolveWasmThreads(undefined, {})).toBe(Math.min(availableParallelism(), 8));
  });

  it.each(['0', '9', '1.5', 'two', '-1'])('rejects %j in the environment', (envValue) => {
    expect(() => resolveWasmThreads(undefined, { [WASM_THREADS_ENV_VAR]: envValue })).toThrow(
      `Invalid ${WASM_THREADS_ENV_VAR}="${envValue}": expected an integer from 1 to 8`,
    );
  });

  it('rejects an invalid option', () => {
    expect(() => resolveWasmThreads(0, {})).toThrow('Invalid wasm thread count 0');
  });
});

describe('threaded wasm backend', () => {
  let report: BackendReport;

  beforeAll(async () => {
    vi.stubEnv(WASM_THREADS_ENV_VAR, '');
    report = await initBackend({ pin: 'wasm', wasmThreads: 2 });
    vi.unstubAllEnvs();
  });

  it('runs on two threads', () => {
    expect(report.name).toBe('wasm');
    expect(report.threads).toBe(2);
    expect(report.threadsFallback).toBeUndefined();
    expect(report.simd).toBe(true);
    expect(tf.getBackend()).toBe('wasm');
  });

  it.each(CONV_CASES.slice(0, 8).map((c) => [c.name, c] as const))(
    'computes convolution gradients like the loop reference for %s',
    (_, c) => {
      const { xShape, dyShape, filterShape } = caseShapes(c);
      const x = seededValues(tf.util.sizeFromShape(xShape), 1);
      const dy = seededValues(tf.util.sizeFromShape(dyShape), 2);
      const filter = seededValues(tf.util.sizeFromShape(filterShape), 3);
      const [dw, dx] = tf.tidy(() => {
        const common = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC' };
        const dyTensor = tf.tensor4d(dy, dyShape);
        const filterGrad = tf
          .engine()
          .runKernel('Conv2DBackpropFilter', { x: tf.tensor4d(x, xShape), dy: dyTensor }, {
            ...common,
            filterShape,
          } as never) as tf.Tensor;
        const inputGrad = tf
          .engine()
          .runKernel(
            'Conv2DBackpropInput',
            { dy: dyTensor, filter: tf.tensor4d(filter, filterShape) },
            { ...common, inputShape: xShape } as never,
          ) as tf.Tensor;
        return [filterGrad.dataSync(), inputGrad.dataSync()] as Float32Array[];
      });
      expect(relativeError(dw, loopFilterGrad(x, dy, c)), 'dw').toBeLessThan(TOLERANCE);
      expect(relativeError(dx, loopInputGrad(dy, filter, c)), 'dx').toBeLessThan(TOLERANCE);
    },
  );

  it('computes the gradients of a training batch like the cpu backend', async () => {
    const dataset = await smallDataset(24, 8);
    const reader = new BatchReader(dataset.train, 24);
    const count = reader.fill(shuffledOrder(24, 1, 1), 0);

    const onBackend = async (backend: 'cpu' | 'wasm') => {
      expect(await tf.setBackend(backend)).toBe(true);
      const model = buildModel(TINY_SPEC, TINY_HYPERPARAMETERS);
      const { grads, totals } = batchGradients(model, reader.pixels, reader.labels, count, 28, 16);
      // tfjs names the second model's variables with a suffix, so compare in order.
      const values = model.trainableWeights.map(
        (weight) => grads[(weight.read() as tf.Variable).name].dataSync() as Float32Array,
      );
      const names = model.trainableWeights.map((weight) => weight.originalName);
      tf.dispose(Object.values(grads));
      model.dispose();
      return { names, values, loss: totals.lossSum / totals.count };
    };
    registerCpuTrainingKernels();
    const onCpu = await onBackend('cpu');
    const onWasm = await onBackend('wasm');

    expect(onWasm.names).toEqual(onCpu.names);
    expect(onWasm.loss).toBeCloseTo(onCpu.loss, 5);
    for (const [i, name] of onCpu.names.entries()) {
      expect(relativeError(onWasm.values[i], onCpu.values[i]), name).toBeLessThan(TOLERANCE);
    }
  });
});

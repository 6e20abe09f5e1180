import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// tfjs-layers registers the gradient functions that tf.grad needs.
import '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { relativeError, seededValues } from './conv-test-helpers';
import { registerWasmTrainingKernels } from './wasm-kernels';

const TOLERANCE = 1e-5;

beforeAll(async () => {
  expect(await tf.setBackend('wasm')).toBe(true);
  registerWasmTrainingKernels();
});

/** Runs `compute` on the cpu backend and then on wasm, returning both results' values. */
async function onBothBackends(compute: () => tf.Tensor): Promise<[Float32Array, Float32Array]> {
  const results: Float32Array[] = [];
  for (const backend of ['cpu', 'wasm']) {
    expect(await tf.setBackend(backend)).toBe(true);
    const result = compute();
    results.push(result.dataSync() as Float32Array);
    result.dispose();
  }
  return [results[0], results[1]];
}

/** Values in [−1, 1) with about a third of them exactly 0, as after a ReLU: many ties. */
function reluLikeValues(count: number, seed: number): Float32Array {
  return seededValues(count, seed).map((value) => (value < -0.3 ? 0 : value));
}

describe('wasm Sum over leading axes', () => {
  const cases: [string, number[], number | number[], boolean][] = [
    ['bias gradient [4,5,6,7] over 0,1,2', [4, 5, 6, 7], [0, 1, 2], false],
    ['negative axes', [4, 5, 6, 7], [-4, -3, -2], false],
    ['unsorted axes', [4, 5, 6, 7], [2, 0, 1], false],
    ['keepDims', [4, 5, 6, 7], [0, 1, 2], true],
    ['rank 2 over rows', [300, 3], 0, false],
    ['not leading axes (stock kernel)', [4, 5, 6, 7], [0, 2], false],
    ['every axis (stock kernel)', [4, 5, 6, 7], [0, 1, 2, 3], false],
  ];

  it.each(cases)('matches cpu for %s', async (_, shape, axis, keepDims) => {
    const values = seededValues(tf.util.sizeFromShape(shape), 11);
    const [onCpu, onWasm] = await onBothBackends(() =>
      tf.tidy(() => tf.sum(tf.tensor(values, shape), axis, keepDims)),
    );
    expect(onWasm.length).toBe(onCpu.length);
    expect(relativeError(onWasm, onCpu)).toBeLessThan(TOLERANCE);
  });

  it('keeps the shape of keepDims', () => {
    const sum = tf.tidy(() => tf.sum(tf.ones([2, 3, 4]), [0, 1], true));
    expect(sum.shape).toEqual([1, 1, 4]);
    expect(Array.from(sum.dataSync())).toEqual([6, 6, 6, 6]);
    sum.dispose();
  });
});

describe('wasm MaxPoolGrad', () => {
  const cases: [string, number[], number, number, 'valid' | 'same'][] = [
    ['NiN pool 3x3 s2 valid', [2, 13, 13, 5], 3, 2, 'valid'],
    ['3x3 s1 same', [2, 6, 6, 3], 3, 1, 'same'],
    ['2x2 s2 same on odd size', [1, 7, 7, 4], 2, 2, 'same'],
    ['3x3 s2 same', [3, 9, 9, 2], 3, 2, 'same'],
  ];

  async function poolGradients(
    shape: number[],
    window: number,
    stride: number,
    pad: 'valid' | 'same',
    values: Float32Array,
  ) {
    return onBothBackends(() =>
      tf.tidy(() => {
        const x = tf.tensor4d(values, shape as [number, number, number, number]);
        const pooled = tf.maxPool(x, window, stride, pad);
        const weights = tf.tensor(seededValues(pooled.size, 5), pooled.shape);
        const loss = (input: tf.Tensor): tf.Scalar =>
          tf.sum(tf.mul(tf.maxPool(input as tf.Tensor4D, window, stride, pad), weights));
        return tf.grad(loss)(x);
      }),
    );
  }

  it.each(cases)('matches cpu for %s', async (_, shape, window, stride, pad) => {
    const values = seededValues(tf.util.sizeFromShape(shape), 3);
    const [onCpu, onWasm] = await poolGradients(shape, window, stride, pad, values);
    expect(relativeError(onWasm, onCpu)).toBeLessThan(TOLERANCE);
  });

  it.each(cases)('routes ties like cpu for %s', async (_, shape, window, stride, pad) => {
    const values = reluLikeValues(tf.util.sizeFromShape(shape), 4);
    const [onCpu, onWasm] = await poolGradients(shape, window, stride, pad, values);
    // Each dy lands on one position of its window, so tied windows must pick the same one.
    // Overlapping windows may add their dy values in another order.
    const receivers = (dx: Float32Array): number[] =>
      Array.from(dx.keys()).filter((index) => dx[index] !== 0);
    expect(receivers(onWasm)).toEqual(receivers(onCpu));
    expect(relativeError(onWasm, onCpu)).toBeLessThan(TOLERANCE);
  });

  it('leaves no tensors or wasm buffers behind', () => {
    const run = (): void => {
      tf.tidy(() => {
        const x = tf.tensor4d(seededValues(2 * 13 * 13 * 5, 3), [2, 13, 13, 5]);
        tf.grad((input: tf.Tensor) => tf.sum(tf.maxPool(input as tf.Tensor4D, 3, 2, 'valid')))(x);
      });
    };
    run();
    const before = tf.memory();
    run();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers);
  });
});

describe('wasm Identity and Cast', () => {
  it('share float32 data without copying', () => {
    const x = tf.tensor1d([1, 2, 3]);
    const buffers = tf.memory().numDataBuffers;
    const clone = tf.clone(x);
    const cast = tf.cast(x, 'float32');
    expect(tf.memory().numDataBuffers).toBe(buffers);

    x.dispose();
    expect(Array.from(clone.dataSync())).toEqual([1, 2, 3]);
    expect(Array.from(cast.dataSync())).toEqual([1, 2, 3]);
    tf.dispose([clone, cast]);
    expect(tf.memory().numDataBuffers).toBe(buffers - 1);
  });

  it('converts between dtypes with the stock kernel', () => {
    const mask = tf.tensor1d([true, false, true], 'bool');
    const asFloat = tf.cast(mask, 'float32');
    const asInt = tf.cast(tf.tensor1d([1.7, -2.2]), 'int32');
    expect(asFloat.dtype).toBe('float32');
    expect(Array.from(asFloat.dataSync())).toEqual([1, 0, 1]);
    expect(Array.from(asInt.dataSync())).toEqual([1, -2]);
    tf.dispose([mask, asFloat, asInt]);
  });
});

// Its own test file, so that the wasm backend starts fresh in this process.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

import { initBackendWith } from './backends';

describe('threaded wasm backend that fails to start', () => {
  it('falls back to one thread and says why', async () => {
    const failing = async (specifier: string): Promise<unknown> => {
      const real = (await import(specifier)) as Record<string, unknown>;
      if (specifier !== '@tensorflow/tfjs-backend-wasm') {
        return real;
      }
      class BrokenBackend {
        constructor() {
          throw new Error('simulated start failure');
        }
      }
      return { ...real, BackendWasm: BrokenBackend };
    };

    const report = await initBackendWith(
      { pin: 'wasm', wasmThreads: 2 },
      { importModule: failing, env: {} },
    );

    expect(report.name).toBe('wasm');
    expect(report.threads).toBe(1);
    expect(report.threadsFallback).toContain('the threaded wasm build failed to start');
    expect(tf.getBackend()).toBe('wasm');
    const sum = tf.sum(tf.tensor1d([1, 2, 3]));
    expect(sum.dataSync()[0]).toBe(6);
  });
});

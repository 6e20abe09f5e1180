import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TrainingEvent } from '../../../src-shared/training';
import { initBackend } from '../backend/backends';
import type { Dataset } from '../data/dataset';
import { batchGradients } from './step';
import { freshState, smallDataset, TINY_HYPERPARAMETERS, TINY_SPEC } from './test-helpers';
import { NonFiniteLossError, trainLoop, type LoopOptions, type TrainingState } from './trainer';
import { BatchReader, shuffledOrder } from '../data/batches';

let dataset: Dataset;

beforeAll(async () => {
  await initBackend({ pin: 'wasm' });
  dataset = await smallDataset(64, 64);
});

function loopOptions(events: TrainingEvent[], overrides: Partial<LoopOptions> = {}): LoopOptions {
  return {
    dataset,
    backend: 'wasm',
    eventsPerSecond: 1000,
    emit: (event) => events.push(event),
    record: () => undefined,
    checkpoint: async () => 'go',
    ...overrides,
  };
}

describe('trainLoop', () => {
  it('lowers the loss on a small set', async () => {
    const state = freshState(TINY_SPEC, { ...TINY_HYPERPARAMETERS, epochs: 40 });
    await trainLoop(state, loopOptions([]));
    const losses = state.history.steps.map((step) => step.loss);
    const first = (losses[0] + losses[1]) / 2;
    const last = (losses.at(-1)! + losses.at(-2)!) / 2;
    expect(losses).toHaveLength(80);
    // NiN leaves ln 10 slowly; measured 2.30 → 1.97 over these 80 steps.
    expect(last).toBeLessThan(first - 0.15);
    state.model.dispose();
  });

  it('keeps the tensor count flat across steps and epochs', async () => {
    const state = freshState(TINY_SPEC, { ...TINY_HYPERPARAMETERS, epochs: 4 });
    const counts: number[] = [];
    await trainLoop(
      state,
      loopOptions([], { checkpoint: async () => (counts.push(tf.memory().numTensors), 'go') }),
    );
    // counts[0] is before the first step, when the optimiser has not created its moments yet.
    expect(counts).toHaveLength(8);
    expect(new Set(counts.slice(1))).toEqual(new Set([counts[1]]));
    state.model.dispose();
  });

  it('gives the same first losses for the same seed', async () => {
    const run = async () => {
      const state = freshState(TINY_SPEC, TINY_HYPERPARAMETERS);
      await trainLoop(state, loopOptions([], { maxSteps: 2, maxTestImages: 8 }));
      state.model.dispose();
      return state.history.steps.map((step) => step.loss);
    };
    const first = await run();
    const second = await run();
    expect(second).toEqual(first);
  });

  it('emits epoch metrics with a test accuracy', async () => {
    const events: TrainingEvent[] = [];
    const state = freshState(TINY_SPEC, TINY_HYPERPARAMETERS);
    const outcome = await trainLoop(state, loopOptions(events));
    const epochs = events.filter((event) => event.type === 'epoch');
    expect(outcome).toBe('finished');
    expect(epochs).toHaveLength(1);
    const metrics = epochs[0].type === 'epoch' ? epochs[0].metrics : null;
    expect(metrics?.testAccuracy).toBeGreaterThanOrEqual(0);
    expect(metrics?.testAccuracy).toBeLessThanOrEqual(1);
    expect(state.epoch).toBe(2);
    state.model.dispose();
  });

  it('stops at the next step when asked', async () => {
    const state = freshState(TINY_SPEC, { ...TINY_HYPERPARAMETERS, epochs: 5 });
    let calls = 0;
    const outcome = await trainLoop(
      state,
      loopOptions([], { checkpoint: async () => (++calls > 3 ? 'stop' : 'go') }),
    );
    expect(outcome).toBe('stopped');
    expect(state.globalStep).toBe(3);
    state.model.dispose();
  });

  it('stops on a non-finite loss naming epoch, step and learning rate', async () => {
    const state = freshState(TINY_SPEC, TINY_HYPERPARAMETERS);
    poisonLastBias(state);
    const error = await trainLoop(state, loopOptions([])).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NonFiniteLossError);
    expect((error as Error).message).toMatch(
      /epoch 1, step 1 \(optimiser adam, learning rate 0\.005\)/,
    );
    expect(state.diverged).toBe(true);
    expect(state.globalStep).toBe(0);
    state.model.dispose();
  });
});

/** Set the last bias to NaN; NaN in earlier layers is clamped to 0 by the fused ReLU. */
function poisonLastBias(state: TrainingState): void {
  const weights = state.model.getWeights();
  const poisoned = tf.fill(weights[weights.length - 1].shape, Number.NaN);
  state.model.setWeights([...weights.slice(0, -1), poisoned]);
  poisoned.dispose();
}

describe('batchGradients', () => {
  it('gives the same gradients split into micro-batches', () => {
    const reader = new BatchReader(dataset.train, 30);
    const count = reader.fill(shuffledOrder(dataset.train.count, 1, 1), 0);
    // Without dropout both computations see the same network.
    const spec = { ...TINY_SPEC, body: TINY_SPEC.body.filter((layer) => layer.type !== 'dropout') };
    const model = freshState(spec, TINY_HYPERPARAMETERS).model;
    const whole = batchGradients(model, reader.pixels, reader.labels, count, 28, 30);
    const split = batchGradients(model, reader.pixels, reader.labels, count, 28, 7);
    expect(split.totals.lossSum).toBeCloseTo(whole.totals.lossSum, 3);
    expect(split.totals.correct).toBe(whole.totals.correct);
    for (const name of Object.keys(whole.grads)) {
      const difference = tf.max(tf.abs(tf.sub(whole.grads[name], split.grads[name]))).dataSync()[0];
      const scale = tf.max(tf.abs(whole.grads[name])).dataSync()[0];
      expect(difference).toBeLessThanOrEqual(1e-4 * Math.max(scale, 1e-6) + 1e-7);
    }
    tf.dispose([...Object.values(whole.grads), ...Object.values(split.grads)]);
    model.dispose();
  });
});

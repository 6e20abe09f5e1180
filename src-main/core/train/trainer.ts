// The training loop: epoch → step → micro-batches, with metrics, pause/stop points and guards.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Hyperparameters, ModelSpec } from '../../../src-shared/spec';
import type {
  BackendName,
  EpochMetrics,
  StepMetrics,
  TrainingEvent,
} from '../../../src-shared/training';
import { BatchReader, shuffledOrder } from '../data/batches';
import type { Dataset, Split } from '../data/dataset';
import { dropoutLayers } from '../model/build';
import { describePlan, planMicroBatches } from './memory';
import { batchGradients, evaluateBatch, type BatchTotals } from './step';
import { NotLearningDetector } from './watchdog';

export interface TrainingHistory {
  steps: StepMetrics[];
  epochs: EpochMetrics[];
}

/** Everything a run changes, kept by the worker between runs for checkpoints and prediction. */
export interface TrainingState {
  model: tfl.LayersModel;
  optimizer: tf.Optimizer;
  spec: ModelSpec;
  hyperparameters: Hyperparameters;
  /** Epoch in progress, from 1; hyperparameters.epochs + 1 once all are done. */
  epoch: number;
  /** Steps already taken in the epoch in progress. */
  stepInEpoch: number;
  globalStep: number;
  history: TrainingHistory;
  /** Set when a step produced a non-finite loss: these weights must not be saved. */
  diverged: boolean;
}

export interface LoopOptions {
  dataset: Dataset;
  backend: BackendName;
  /** Stop after this many steps in this session. */
  maxSteps?: number;
  maxTestImages?: number;
  eventsPerSecond: number;
  emit(event: TrainingEvent): void;
  /** Append one line to the run's metrics file. */
  record(entry: object): void;
  /** Called between steps; resolves 'stop' to end the run there. */
  checkpoint(): Promise<'go' | 'stop'>;
}

export class NonFiniteLossError extends Error {
  readonly code = 'non-finite-loss';
}

/** Return how many optimiser steps one epoch of `split` takes at `batchSize`. */
export function stepsPerEpoch(split: Split, batchSize: number): number {
  return Math.ceil(split.count / batchSize);
}

/** Run the loop until the last epoch ends, a stop is requested or maxSteps is reached. */
export async function trainLoop(
  state: TrainingState,
  options: LoopOptions,
): Promise<'finished' | 'stopped'> {
  const { hyperparameters, spec } = state;
  const train = options.dataset.train;
  const plan = planMicroBatches(spec, hyperparameters.batchSize, options.backend);
  if (plan.passes > 1) {
    options.emit({
      type: 'log',
      level: 'info',
      code: 'micro-batches',
      message: describePlan(plan, hyperparameters.batchSize, options.backend),
    });
  }
  const reader = new BatchReader(train, hyperparameters.batchSize);
  const clock = new StepClock(state, stepsPerEpoch(train, hyperparameters.batchSize));
  const watchdog = new NotLearningDetector(hyperparameters);
  const sessionStart = state.globalStep;

  for (; state.epoch <= hyperparameters.epochs; state.epoch += 1, state.stepInEpoch = 0) {
    const order = shuffledOrder(train.count, hyperparameters.seed, state.epoch);
    const running = { lossSum: 0, correct: 0, count: 0 };
    for (; state.stepInEpoch < clock.stepsPerEpoch;) {
      if ((await options.checkpoint()) === 'stop') return 'stopped';
      const count = reader.fill(order, state.stepInEpoch * hyperparameters.batchSize);
      const totals = takeStep(state, reader, count, plan.microBatch);
      addTotals(running, totals);
      const metrics = clock.step(state, totals, running);
      options.record({ type: 'step', ...metrics });
      const last =
        state.stepInEpoch === clock.stepsPerEpoch || reachedMaxSteps(state, options, sessionStart);
      if (clock.shouldEmit(options.eventsPerSecond) || last)
        options.emit({ type: 'step', metrics });
      const warning = watchdog.observe(metrics);
      if (warning)
        options.emit({ type: 'log', level: 'warn', code: 'not-learning', message: warning });
      if (reachedMaxSteps(state, options, sessionStart)) {
        finishEpoch(state, options, running, clock);
        return 'stopped';
      }
    }
    finishEpoch(state, options, running, clock);
  }
  return 'finished';
}

function reachedMaxSteps(
  state: TrainingState,
  options: LoopOptions,
  sessionStart: number,
): boolean {
  return options.maxSteps !== undefined && state.globalStep - sessionStart >= options.maxSteps;
}

function takeStep(
  state: TrainingState,
  reader: BatchReader,
  count: number,
  microBatch: number,
): BatchTotals {
  // tfjs Dropout reuses its seed on every call, so a fixed seed would drop the same units each step.
  for (const layer of dropoutLayers(state.model)) {
    layer.seed = state.hyperparameters.seed * 1_000_003 + state.globalStep;
  }
  const { grads, totals } = batchGradients(
    state.model,
    reader.pixels,
    reader.labels,
    count,
    state.spec.inputSize,
    microBatch,
  );
  if (!Number.isFinite(totals.lossSum)) {
    tf.dispose(Object.values(grads));
    state.diverged = true;
    const { optimizer, learningRate } = state.hyperparameters;
    throw new NonFiniteLossError(
      `The loss became ${totals.lossSum / count} at epoch ${state.epoch}, step ${state.stepInEpoch + 1} ` +
        `(optimiser ${optimizer}, learning rate ${learningRate}), so the run stopped and no checkpoint ` +
        'can be saved from these weights. Lower the learning rate (for example by 10×) and train again.',
    );
  }
  state.optimizer.applyGradients(grads);
  tf.dispose(Object.values(grads));
  state.stepInEpoch += 1;
  state.globalStep += 1;
  return totals;
}

function addTotals(sum: BatchTotals, part: BatchTotals): void {
  sum.lossSum += part.lossSum;
  sum.correct += part.correct;
  sum.count += part.count;
}

function finishEpoch(
  state: TrainingState,
  options: LoopOptions,
  running: BatchTotals,
  clock: StepClock,
): void {
  const test = evaluateSplit(state, options.dataset.test, options.maxTestImages);
  const metrics: EpochMetrics = {
    epoch: state.epoch,
    trainLoss: running.count > 0 ? running.lossSum / running.count : Number.NaN,
    trainAccuracy: running.count > 0 ? running.correct / running.count : Number.NaN,
    testLoss: test.lossSum / test.count,
    testAccuracy: test.correct / test.count,
    elapsedSeconds: clock.elapsedSeconds(),
    etaSeconds: clock.etaSeconds(state),
    imagesPerSecond: clock.imagesPerSecond(),
  };
  state.history.epochs.push(metrics);
  options.record({ type: 'epoch', ...metrics });
  options.emit({ type: 'epoch', metrics });
}

/** Loss and accuracy sums of the model over (the first `limit` images of) a split. */
export function evaluateSplit(state: TrainingState, split: Split, limit?: number): BatchTotals {
  const total = Math.min(split.count, limit ?? split.count);
  const batchSize = Math.min(256, planMicroBatches(state.spec, 256, 'wasm').microBatch);
  const reader = new BatchReader(split, batchSize);
  const order = Array.from({ length: total }, (_, index) => index);
  const sum: BatchTotals = { lossSum: 0, correct: 0, count: 0 };
  for (let start = 0; start < total; start += batchSize) {
    const count = reader.fill(order, start);
    addTotals(
      sum,
      evaluateBatch(state.model, reader.pixels, reader.labels, count, state.spec.inputSize),
    );
  }
  return sum;
}

/** Timing, throughput and ETA of a training session. */
class StepClock {
  private readonly started = performance.now();
  private lastEmit = 0;
  private lastStepAt = performance.now();
  private secondsPerImage = 0;
  private sessionImages = 0;

  constructor(
    private readonly state: TrainingState,
    readonly stepsPerEpoch: number,
  ) {}

  step(state: TrainingState, totals: BatchTotals, running: BatchTotals): StepMetrics {
    const now = performance.now();
    const seconds = (now - this.lastStepAt) / 1000;
    this.lastStepAt = now;
    this.sessionImages += totals.count;
    // Exponential moving average, so one slow step (a garbage collection) does not swing the ETA.
    const perImage = seconds / totals.count;
    this.secondsPerImage =
      this.secondsPerImage === 0 ? perImage : 0.9 * this.secondsPerImage + 0.1 * perImage;
    const metrics: StepMetrics = {
      epoch: state.epoch,
      step: state.stepInEpoch,
      stepsPerEpoch: this.stepsPerEpoch,
      globalStep: state.globalStep,
      loss: totals.lossSum / totals.count,
      batchAccuracy: totals.correct / totals.count,
      runningAccuracy: running.correct / running.count,
      imagesPerSecond: 1 / this.secondsPerImage,
      etaSeconds: this.etaSeconds(state),
    };
    state.history.steps.push(metrics);
    return metrics;
  }

  shouldEmit(eventsPerSecond: number): boolean {
    const now = performance.now();
    const due = now - this.lastEmit >= 1000 / eventsPerSecond;
    if (due) this.lastEmit = now;
    return due;
  }

  elapsedSeconds(): number {
    return (performance.now() - this.started) / 1000;
  }

  imagesPerSecond(): number {
    return this.sessionImages / Math.max(this.elapsedSeconds(), 1e-9);
  }

  etaSeconds(state: TrainingState): number {
    const epochsLeft = state.hyperparameters.epochs - state.epoch;
    const stepsLeft = epochsLeft * this.stepsPerEpoch + (this.stepsPerEpoch - state.stepInEpoch);
    return Math.max(0, stepsLeft * state.hyperparameters.batchSize * this.secondsPerImage);
  }
}

// Small real datasets and networks for the training tests.
import type { Dataset, Split } from '../data/dataset';
import { DatasetCache } from '../data/cache';
import type { Hyperparameters, ModelSpec } from '../../../src-shared/spec';
import { IMAGE_PIXELS } from '../data/idx';
import type { TrainingState } from './trainer';
import { buildModel } from '../model/build';
import { createOptimizer } from './optimizer';

/** A narrow NiN that trains in well under a second per step on one core. */
export const TINY_SPEC: ModelSpec = {
  inputSize: 28,
  body: [
    { type: 'nin', channels: 8, kernel: 5, stride: 1, padding: 2 },
    { type: 'maxpool', window: 3, stride: 2 },
    { type: 'nin', channels: 16, kernel: 3, stride: 1, padding: 1 },
    { type: 'maxpool', window: 3, stride: 2 },
    { type: 'dropout', rate: 0.5 },
  ],
  classifier: { kernel: 3, stride: 1, padding: 1 },
};

export const TINY_HYPERPARAMETERS: Hyperparameters = {
  optimizer: 'adam',
  learningRate: 0.005,
  momentum: 0.9,
  batchSize: 32,
  epochs: 1,
  initializer: 'glorotUniform',
  seed: 7,
};

/** Return the first `count` images of a split. */
export function headOf(split: Split, count: number): Split {
  return {
    images: split.images.slice(0, count * IMAGE_PIXELS),
    labels: split.labels.slice(0, count),
    count,
  };
}

/** Load the bundled sample, cut to `trainCount` training and `testCount` test images. */
export async function smallDataset(trainCount: number, testCount: number): Promise<Dataset> {
  const sample = await new DatasetCache('/nonexistent-data-dir').load('sample');
  return {
    train: headOf(sample.train, trainCount),
    test: headOf(sample.test, testCount),
    identity: { ...sample.identity, trainCount, testCount },
  };
}

export function freshState(spec: ModelSpec, hyperparameters: Hyperparameters): TrainingState {
  return {
    model: buildModel(spec, hyperparameters),
    optimizer: createOptimizer(hyperparameters),
    spec,
    hyperparameters,
    epoch: 1,
    stepInEpoch: 0,
    globalStep: 0,
    history: { steps: [], epochs: [] },
    diverged: false,
  };
}

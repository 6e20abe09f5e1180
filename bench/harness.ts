// Shared setup of the training benchmarks: the dataset, a model built from a preset, and
// one optimizer step taken by the product's own code (batchGradients, then the optimizer).
import '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { getPreset, isPresetName, PRESET_NAMES, type Preset } from '../src-shared/presets';
import type { BackendName } from '../src-shared/training';
import { BatchReader, shuffledOrder } from '../src-main/core/data/batches';
import { loadDatasetDir, type Split } from '../src-main/core/data/dataset';
import { buildModel } from '../src-main/core/model/build';
import { planMicroBatches, type MicroBatchPlan } from '../src-main/core/train/memory';
import { createOptimizer } from '../src-main/core/train/optimizer';
import { batchGradients, type BatchTotals } from '../src-main/core/train/step';

/** The gzipped IDX files that bench/pytorch/nin_bench.py also reads. */
export const DATASET_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../shared/datasets/fashion-mnist',
);

export function presetByName(name: string): Preset {
  if (!isPresetName(name)) {
    throw new Error(`Unknown preset "${name}"; use one of ${PRESET_NAMES.join(', ')}.`);
  }
  return getPreset(name);
}

/** A model, its optimizer and a batch reader over the training split, ready to step. */
export class BenchTrainer {
  readonly model: tfl.LayersModel;
  readonly optimizer: tf.Optimizer;
  readonly plan: MicroBatchPlan;
  private readonly reader: BatchReader;
  private readonly order: Uint32Array;
  private step = 0;

  constructor(
    readonly preset: Preset,
    readonly batchSize: number,
    backend: BackendName,
    train: Split,
  ) {
    this.model = buildModel(preset.spec, preset.hyperparameters);
    this.optimizer = createOptimizer(preset.hyperparameters);
    this.plan = planMicroBatches(preset.spec, batchSize, backend);
    this.reader = new BatchReader(train, batchSize);
    this.order = shuffledOrder(train.count, preset.hyperparameters.seed, 1);
  }

  /** Batch pixels as BatchReader fills them: batchSize × 784 floats in [0, 1]. */
  get pixels(): Float32Array {
    return this.reader.pixels;
  }

  /** Fills the batch buffers (the input side) and returns the image count. */
  fillBatch(): number {
    const starts = Math.floor(this.order.length / this.batchSize);
    const start = (this.step % starts) * this.batchSize;
    this.step += 1;
    return this.reader.fill(this.order, start);
  }

  /** Gradients of the filled batch and the optimizer update, as the trainer takes them. */
  trainFilledBatch(count: number): BatchTotals {
    const { grads, totals } = batchGradients(
      this.model,
      this.reader.pixels,
      this.reader.labels,
      count,
      this.preset.spec.inputSize,
      this.plan.microBatch,
    );
    this.optimizer.applyGradients(grads);
    tf.dispose(Object.values(grads));
    return totals;
  }

  /** Takes one whole optimizer step: fills the batch, then trains on it. */
  trainStep(): BatchTotals {
    return this.trainFilledBatch(this.fillBatch());
  }

  dispose(): void {
    this.model.dispose();
    this.optimizer.dispose();
  }
}

/** Loads the training split of the full Fashion-MNIST set. */
export async function loadTrainSplit(): Promise<Split> {
  const dataset = await loadDatasetDir(DATASET_DIR, { source: 'imported' });
  return dataset.train;
}

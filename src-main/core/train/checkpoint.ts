// Checkpoints: a folder with the TensorFlow.js LayersModel files (model.json + weights.bin),
// the optimiser's state (optimizer.bin) and lab.json (spec, hyperparameters, counters, history).
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { NamedTensor } from '@tensorflow/tfjs-core/dist/tensor_types';
import { z } from 'zod';
import type { Hyperparameters, ModelSpec } from '../../../src-shared/spec';
import { buildModel } from '../model/build';
import { APP_VERSION } from '../version';
import { createOptimizer } from './optimizer';
import {
  CheckpointError,
  CHECKPOINT_FORMAT,
  CHECKPOINT_FORMAT_VERSION,
  LAB_FILE,
  MODEL_FILE,
  OPTIMIZER_FILE,
  readCheckpointMeta,
  weightEntrySchema,
  WEIGHTS_FILE,
  type CheckpointDataset,
  type CheckpointMeta,
} from './checkpoint-meta';

export * from './checkpoint-meta';

import type { TrainingState } from './trainer';

export interface LoadedCheckpoint {
  meta: CheckpointMeta;
  model: tfl.LayersModel;
  optimizer: tf.Optimizer;
}

/** Save the training state into `dir`, atomically: files go to a temporary folder renamed into place. */
export async function saveCheckpoint(
  dir: string,
  state: TrainingState,
  context: { dataset: CheckpointDataset; backend: CheckpointMeta['backend'] },
): Promise<CheckpointMeta> {
  if (state.diverged || !allFinite(state.model)) {
    throw new CheckpointError(
      'diverged',
      'The model has non-finite weights (the last run diverged), so they are not saved. Train again with a lower learning rate, then save.',
    );
  }
  const temporary = `${dir}.saving-${randomBytes(4).toString('hex')}`;
  await mkdir(temporary, { recursive: true });
  try {
    await writeModelFiles(temporary, state.model);
    const optimizerWeights = await state.optimizer.getWeights();
    const optimizerEntries = await writeTensors(
      path.join(temporary, OPTIMIZER_FILE),
      optimizerWeights,
    );
    const meta: CheckpointMeta = {
      format: CHECKPOINT_FORMAT,
      formatVersion: CHECKPOINT_FORMAT_VERSION,
      appVersion: APP_VERSION,
      savedAt: new Date().toISOString(),
      spec: state.spec,
      hyperparameters: state.hyperparameters,
      epoch: state.epoch,
      stepInEpoch: state.stepInEpoch,
      globalStep: state.globalStep,
      history: state.history,
      dataset: context.dataset,
      backend: context.backend,
      optimizer: { name: state.hyperparameters.optimizer, weights: optimizerEntries },
    };
    await writeFile(path.join(temporary, LAB_FILE), JSON.stringify(meta, null, 1));
    await replaceFolder(temporary, dir);
    return meta;
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    throw error;
  }
}

/** Check that every weight is finite, because on wasm a NaN weight can hide behind a ReLU and a finite loss. */
function allFinite(model: tfl.LayersModel): boolean {
  return tf.tidy(() =>
    model.weights.every((weight) => tf.all(tf.isFinite(weight.read())).dataSync()[0] === 1),
  );
}

async function writeModelFiles(dir: string, model: tfl.LayersModel): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      await writeFile(path.join(dir, WEIGHTS_FILE), Buffer.from(weightData));
      const modelJson = {
        format: 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs }],
      };
      await writeFile(path.join(dir, MODEL_FILE), JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
}

async function writeTensors(
  file: string,
  tensors: NamedTensor[],
): Promise<CheckpointMeta['optimizer']['weights']> {
  const parts: Buffer[] = [];
  const entries = [];
  for (const { name, tensor } of tensors) {
    const values = (await tensor.data()) as Float32Array;
    parts.push(Buffer.from(values.buffer, values.byteOffset, values.byteLength));
    entries.push({ name, shape: tensor.shape, dtype: 'float32' as const });
  }
  await writeFile(file, Buffer.concat(parts));
  return entries;
}

/** Move `source` to `target`, replacing an existing folder only once the new one is complete. */
async function replaceFolder(source: string, target: string): Promise<void> {
  const previous = `${target}.previous-${randomBytes(4).toString('hex')}`;
  const exists = await stat(target).then(
    () => true,
    () => false,
  );
  if (exists) await rename(target, previous);
  await rename(source, target);
  if (exists) await rm(previous, { recursive: true, force: true });
}

interface ModelJson {
  weightsManifest: Array<{ paths: string[]; weights: Array<z.infer<typeof weightEntrySchema>> }>;
}

async function readModelJson(dir: string): Promise<ModelJson> {
  const file = path.join(dir, MODEL_FILE);
  const text = await readFile(file, 'utf8').catch(() => {
    throw new CheckpointError(
      'truncated',
      `${file} is missing, so the checkpoint has no model. Save the checkpoint again.`,
    );
  });
  try {
    const json = JSON.parse(text) as ModelJson;
    z.array(z.object({ paths: z.array(z.string()).length(1), weights: z.array(weightEntrySchema) }))
      .length(1)
      .parse(json.weightsManifest);
    return json;
  } catch {
    throw new CheckpointError(
      'corrupt',
      `${file} is not a valid TensorFlow.js model file with one weights file. Save the checkpoint again.`,
    );
  }
}

/** Read a float32 file and check its size against the shapes it must hold. */
async function readFloat32File(
  file: string,
  entries: Array<{ shape: number[] }>,
): Promise<Float32Array> {
  const expected =
    entries.reduce((total, entry) => total + tf.util.sizeFromShape(entry.shape), 0) * 4;
  const bytes = await readFile(file).catch(() => {
    throw new CheckpointError(
      'truncated',
      `${file} is missing; expected ${expected} bytes of weights. Save the checkpoint again.`,
    );
  });
  if (bytes.length !== expected) {
    const what = bytes.length < expected ? 'truncated' : 'longer than its manifest';
    throw new CheckpointError(
      'truncated',
      `${file} is ${what}: expected ${expected} bytes, found ${bytes.length}. Save the checkpoint again.`,
    );
  }
  const copy = new Uint8Array(bytes);
  return new Float32Array(copy.buffer, 0, expected / 4);
}

function splitTensors(
  values: Float32Array,
  entries: Array<{ name: string; shape: number[] }>,
): NamedTensor[] {
  let offset = 0;
  return entries.map(({ name, shape }) => {
    const size = tf.util.sizeFromShape(shape);
    const tensor = tf.tensor(values.subarray(offset, offset + size), shape, 'float32');
    offset += size;
    return { name, tensor };
  });
}

/** Compare the model's weights with the checkpoint's and name the first layer that differs. */
function checkShapes(
  model: tfl.LayersModel,
  entries: ModelJson['weightsManifest'][0]['weights'],
  dir: string,
): void {
  const weights = model.weights;
  const count = Math.max(weights.length, entries.length);
  for (let index = 0; index < count; index += 1) {
    const mine = weights[index];
    const theirs = entries[index];
    const layer = (theirs?.name ?? mine?.originalName ?? '?').split('/')[0];
    const same = mine && theirs && JSON.stringify(mine.shape) === JSON.stringify(theirs.shape);
    if (!same) {
      throw new CheckpointError(
        'spec-mismatch',
        `The checkpoint in ${dir} does not fit this architecture: layer ${layer} has weights ` +
          `${theirs ? JSON.stringify(theirs.shape) : 'none'} in the checkpoint but ${mine ? JSON.stringify(mine.shape) : 'none'} in the model. ` +
          'Load the checkpoint with its own spec, or start a new run for this architecture.',
      );
    }
  }
}

/**
 * Load a checkpoint into a new model and optimiser; the model in use is not touched.
 * With `intoSpec`, the weights must fit that architecture instead of the saved spec. With
 * `hyperparameters`, the optimiser is built from those, and it keeps the saved state when it is
 * the same kind of optimiser.
 */
export async function loadCheckpoint(
  dir: string,
  options: { intoSpec?: ModelSpec; hyperparameters?: Hyperparameters } = {},
): Promise<LoadedCheckpoint> {
  const meta = await readCheckpointMeta(dir);
  const modelJson = await readModelJson(dir);
  const manifest = modelJson.weightsManifest[0];
  const values = await readFloat32File(path.join(dir, manifest.paths[0]), manifest.weights);
  const optimizerValues = await readFloat32File(
    path.join(dir, OPTIMIZER_FILE),
    meta.optimizer.weights,
  );

  const model = buildModel(options.intoSpec ?? meta.spec, meta.hyperparameters);
  try {
    checkShapes(model, manifest.weights, dir);
    const tensors = splitTensors(values, manifest.weights);
    model.setWeights(tensors.map((entry) => entry.tensor));
    tf.dispose(tensors.map((entry) => entry.tensor));
    // The saved optimiser state carries over unless the run switches to another optimiser.
    const hyperparameters = options.hyperparameters ?? meta.hyperparameters;
    const optimizer = createOptimizer(hyperparameters);
    if (hyperparameters.optimizer === meta.optimizer.name) {
      await optimizer.setWeights(splitTensors(optimizerValues, meta.optimizer.weights));
    }
    return { meta, model, optimizer };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

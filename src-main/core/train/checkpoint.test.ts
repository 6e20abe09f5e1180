import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, readFile, rm, truncate, writeFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/backends';
import type { Dataset } from '../data/dataset';
import {
  CheckpointError,
  listCheckpoints,
  loadCheckpoint,
  saveCheckpoint,
  type CheckpointDataset,
} from './checkpoint';
import { predictTestImages } from './predict';
import { freshState, smallDataset, TINY_HYPERPARAMETERS, TINY_SPEC } from './test-helpers';
import { trainLoop, type TrainingState } from './trainer';

let root: string;
let dataset: Dataset;
let trained: TrainingState;
let context: { dataset: CheckpointDataset; backend: 'wasm' };

beforeAll(async () => {
  await initBackend({ pin: 'wasm' });
  root = await mkdtemp(path.join(os.tmpdir(), 'nin-lab-checkpoint-'));
  dataset = await smallDataset(64, 32);
  trained = freshState(TINY_SPEC, TINY_HYPERPARAMETERS);
  await trainLoop(trained, {
    dataset,
    backend: 'wasm',
    maxSteps: 1,
    eventsPerSecond: 1,
    emit: () => undefined,
    record: () => undefined,
    checkpoint: async () => 'go',
  });
  const { kind, source, official, trainCount, testCount, files } = dataset.identity;
  context = { dataset: { kind, source, official, trainCount, testCount, files }, backend: 'wasm' };
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function savedCopy(name: string): Promise<string> {
  const dir = path.join(root, name);
  await saveCheckpoint(dir, trained, context);
  return dir;
}

async function loadError(dir: string, options = {}): Promise<CheckpointError> {
  const error = await loadCheckpoint(dir, options).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(CheckpointError);
  return error as CheckpointError;
}

describe('checkpoint round trip', () => {
  it('reproduces predictions exactly', async () => {
    const dir = await savedCopy('round-trip');
    const indices = Array.from({ length: 16 }, (_, index) => index);
    const before = predictTestImages(trained, dataset.test, indices);
    const loaded = await loadCheckpoint(dir);
    const after = predictTestImages({ ...trained, model: loaded.model }, dataset.test, indices);
    expect(after).toEqual(before);
    expect(loaded.meta.globalStep).toBe(1);
    expect(loaded.meta.stepInEpoch).toBe(1);
    expect(loaded.meta.history.steps).toHaveLength(1);
    loaded.model.dispose();
  });

  it('restores the optimiser state', async () => {
    const dir = await savedCopy('optimizer');
    const loaded = await loadCheckpoint(dir);
    const saved = await trained.optimizer.getWeights();
    const restored = await loaded.optimizer.getWeights();
    expect(restored.map((entry) => entry.tensor.shape)).toEqual(
      saved.map((entry) => entry.tensor.shape),
    );
    expect(Array.from(restored[1].tensor.dataSync())).toEqual(
      Array.from(saved[1].tensor.dataSync()),
    );
    loaded.model.dispose();
  });

  it('writes no temporary folders', async () => {
    await savedCopy('atomic');
    await savedCopy('atomic');
    const names = await readdir(root);
    expect(
      names.filter((name) => name.includes('.saving-') || name.includes('.previous-')),
    ).toEqual([]);
    const listed = await listCheckpoints(root);
    expect(listed.map((entry) => entry.name)).toContain('atomic');
  });
});

describe('checkpoint load rejects', () => {
  it('a truncated weights file with both sizes', async () => {
    const dir = await savedCopy('truncated');
    const file = path.join(dir, 'weights.bin');
    const size = (await readFile(file)).length;
    await truncate(file, size - 100);
    const error = await loadError(dir);
    expect(error.code).toBe('truncated');
    expect(error.message).toContain(`expected ${size} bytes, found ${size - 100}`);
  });

  it('a missing weights file', async () => {
    const dir = await savedCopy('missing-weights');
    await rm(path.join(dir, 'weights.bin'));
    expect((await loadError(dir)).message).toMatch(/weights\.bin is missing/);
  });

  it('a missing lab.json', async () => {
    const dir = await savedCopy('missing-lab');
    await rm(path.join(dir, 'lab.json'));
    expect((await loadError(dir)).code).toBe('not-found');
  });

  it('a lab.json that is not JSON', async () => {
    const dir = await savedCopy('corrupt-lab');
    await writeFile(path.join(dir, 'lab.json'), '{"format": "nin-lab-checkpoint", ');
    expect((await loadError(dir)).code).toBe('corrupt');
  });

  it('an unknown format version', async () => {
    const dir = await savedCopy('future');
    const file = path.join(dir, 'lab.json');
    const meta = JSON.parse(await readFile(file, 'utf8'));
    await writeFile(file, JSON.stringify({ ...meta, formatVersion: 99 }));
    const error = await loadError(dir);
    expect(error.code).toBe('format-version');
    expect(error.message).toContain('format version 99');
  });

  it('another architecture, naming the layer and both shapes', async () => {
    const dir = await savedCopy('mismatch');
    const wider = {
      ...TINY_SPEC,
      body: [{ ...TINY_SPEC.body[0], channels: 12 }, ...TINY_SPEC.body.slice(1)],
    };
    const error = await loadError(dir, { intoSpec: wider });
    expect(error.code).toBe('spec-mismatch');
    expect(error.message).toContain('layer nin1_conv');
    expect(error.message).toContain('[5,5,1,8]');
    expect(error.message).toContain('[5,5,1,12]');
  });

  it('saving non-finite weights', async () => {
    const weights = trained.model.getWeights();
    const copy = freshState(TINY_SPEC, TINY_HYPERPARAMETERS);
    const poisoned = weights.map((weight, index) =>
      index === 0 ? tf.fill(weight.shape, Number.NaN) : weight.clone(),
    );
    copy.model.setWeights(poisoned);
    const error = await saveCheckpoint(path.join(root, 'nan-weights'), copy, context).catch(
      (caught: unknown) => caught,
    );
    expect((error as CheckpointError).code).toBe('diverged');
    expect(await readdir(root)).not.toContain('nan-weights');
    tf.dispose(poisoned);
    copy.model.dispose();
  });

  it('saving weights after a non-finite loss', async () => {
    const error = await saveCheckpoint(
      path.join(root, 'diverged'),
      { ...trained, diverged: true },
      context,
    ).catch((caught: unknown) => caught);
    expect((error as CheckpointError).code).toBe('diverged');
    expect(await readdir(root)).not.toContain('diverged');
  });
});

// LabService with the real training worker (child_process.fork through tsx, real TensorFlow.js)
// on the bundled sample: a few steps per run keep this to seconds on a CPU.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabEvent, Prediction, TrainingStatus } from '../../src-shared/contract';
import type { Reply } from '../../src-shared/lab-api';
import { getPreset } from '../../src-shared/presets';
import { LabService } from './lab-service';
import type { Logger } from './log';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const preset = getPreset('nin-28-lite');
const hyperparameters = { ...preset.hyperparameters, batchSize: 16, epochs: 1, seed: 7 };
const TEST_INDICES = [0, 1, 2, 3];

let dataDir: string;
let lab: LabService;
const events: LabEvent[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'nin-lab-real-'));
  lab = await LabService.create({ dataDir, mode: 'browser', logger: quiet });
  lab.subscribe((event) => events.push(event));
});

afterAll(async () => {
  await lab.dispose();
  await rm(dataDir, { recursive: true, force: true });
});

function resultOf<T>(reply: Reply<unknown>): T {
  if (!reply.ok) {
    throw new Error(`request failed: ${reply.error.code}: ${reply.error.message}`);
  }
  return reply.result as T;
}

/** Resolves with the final status once the current run has ended (finished, stopped or failed). */
async function runToEnd(request: Record<string, unknown>): Promise<TrainingStatus> {
  const started = resultOf<TrainingStatus>(await lab.handle('training.start', request));
  await expect
    .poll(() => lab.state.training.state, { timeout: 120_000, interval: 100 })
    .toMatch(/^(finished|stopped|failed)$/);
  const status = lab.state.training;
  expect(status.runId).toBe(started.runId);
  return status;
}

async function predict(): Promise<Prediction[]> {
  return resultOf<{ predictions: Prediction[] }>(
    await lab.handle('training.predict', { testIndices: TEST_INDICES }),
  ).predictions;
}

describe('LabService with the real worker', () => {
  let firstPredictions: Prediction[];

  it('trains a short run on the sample', async () => {
    const status = await runToEnd({
      spec: preset.spec,
      hyperparameters,
      data: 'sample',
      maxSteps: 3,
    });

    expect(status.state).not.toBe('failed');
    expect(status.summary?.globalStep).toBe(3);
    expect(status.dataset?.kind).toBe('sample');
    expect(status.backend?.name).toBeTypeOf('string');
    const runs = resultOf<Array<{ runId: string; globalStep: number }>>(
      await lab.handle('runs.list', {}),
    );
    expect(runs.map((run) => run.runId)).toEqual([status.runId]);
    const metrics = resultOf<{ steps: Array<{ loss: number }> }>(
      await lab.handle('runs.metrics', { runId: status.runId }),
    );
    expect(metrics.steps).toHaveLength(3);
    for (const step of metrics.steps) {
      expect(Number.isFinite(step.loss)).toBe(true);
    }
  });

  it('forwards training events to subscribers', () => {
    const kinds = new Set(
      events.flatMap((event) => (event.type === 'training' ? [event.event.type] : [])),
    );

    expect(kinds.has('run-started')).toBe(true);
    expect(kinds.has('step')).toBe(true);
    expect(kinds.has('state')).toBe(true);
  });

  it('predicts probabilities with true labels', async () => {
    firstPredictions = await predict();

    expect(firstPredictions.map((prediction) => prediction.testIndex)).toEqual(TEST_INDICES);
    for (const prediction of firstPredictions) {
      expect(prediction.probabilities).toHaveLength(10);
      expect(prediction.probabilities.reduce((sum, p) => sum + p, 0)).toBeCloseTo(1, 4);
      expect(prediction.label).toBeGreaterThanOrEqual(0);
      expect(prediction.label).toBeLessThan(10);
    }
  });

  it('saves a checkpoint by name once', async () => {
    const saved = resultOf<{ name: string; globalStep: number }>(
      await lab.handle('checkpoints.save', { name: 'three-steps' }),
    );
    const again = await lab.handle('checkpoints.save', { name: 'three-steps' });

    expect(saved).toMatchObject({ name: 'three-steps', globalStep: 3 });
    expect(again.ok ? null : again.error.code).toBe('ALREADY_EXISTS');
    expect(await readdir(join(dataDir, 'checkpoints'))).toEqual(['three-steps']);
  });

  it('starts a new run after the last one', async () => {
    const status = await runToEnd({
      spec: preset.spec,
      hyperparameters,
      data: 'sample',
      maxSteps: 1,
    });

    expect(status.state).not.toBe('failed');
    expect(status.summary?.globalStep).toBe(1);
    expect(await predict()).not.toEqual(firstPredictions);
  });

  it('load restores the model, spec and curves', async () => {
    const loaded = resultOf<{ spec: unknown; globalStep: number; history: { steps: unknown[] } }>(
      await lab.handle('checkpoints.load', { name: 'three-steps' }),
    );

    expect(loaded.spec).toEqual(preset.spec);
    expect(loaded.globalStep).toBe(3);
    expect(loaded.history.steps).toHaveLength(3);
    expect(await predict()).toEqual(firstPredictions);
  });

  it('resumes training from the checkpoint', async () => {
    const status = await runToEnd({
      spec: preset.spec,
      hyperparameters,
      data: 'sample',
      maxSteps: 2,
      resumeFrom: 'three-steps',
    });

    expect(status.state).not.toBe('failed');
    expect(status.checkpoint).toBe('three-steps');
    expect(status.summary?.globalStep).toBe(5);
  });

  it('deletes the checkpoint', async () => {
    const deleted = await lab.handle('checkpoints.delete', { name: 'three-steps' });
    const listed = resultOf<unknown[]>(await lab.handle('checkpoints.list', {}));

    expect(deleted.ok).toBe(true);
    expect(listed).toEqual([]);
  });
});

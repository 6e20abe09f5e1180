import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunConfig, RunState, TrainingEvent } from '../../../src-shared/training';
import { forkWorker, LabError, TrainingSupervisor, type WorkerHandle } from './supervisor';
import { TINY_HYPERPARAMETERS, TINY_SPEC } from './test-helpers';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'nin-lab-supervisor-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function config(runId: string, overrides: Partial<RunConfig> = {}): RunConfig {
  return {
    runId,
    runDir: path.join(root, 'runs', runId),
    dataDir: root,
    data: 'sample',
    spec: TINY_SPEC,
    hyperparameters: { ...TINY_HYPERPARAMETERS, epochs: 3 },
    backend: 'wasm',
    maxTestImages: 50,
    eventsPerSecond: 1000,
    ...overrides,
  };
}

/** Resolve with the first event that matches, rejecting on an error event. */
function nextEvent(
  supervisor: TrainingSupervisor,
  matches: (event: TrainingEvent) => boolean,
): Promise<TrainingEvent> {
  return new Promise((resolve, reject) => {
    const off = supervisor.onEvent((event) => {
      if (matches(event)) {
        off();
        resolve(event);
      } else if (event.type === 'error') {
        off();
        reject(new Error(event.error.message));
      }
    });
  });
}

const stateIs = (state: RunState) => (event: TrainingEvent) =>
  event.type === 'state' && event.state === state;

describe('TrainingSupervisor with a real worker', () => {
  it('pauses, resumes, stops and starts again', async () => {
    const supervisor = new TrainingSupervisor();
    try {
      const firstStep = nextEvent(supervisor, (event) => event.type === 'step');
      await supervisor.start(config('pause-stop'));
      await firstStep;

      const paused = nextEvent(supervisor, stateIs('paused'));
      await supervisor.pause();
      await paused;
      expect(supervisor.state).toBe('paused');

      const stepAfterResume = nextEvent(supervisor, (event) => event.type === 'step');
      await supervisor.resume();
      await stepAfterResume;

      await supervisor.stop();
      expect(supervisor.state).toBe('stopped');

      const finished = nextEvent(supervisor, (event) => event.type === 'finished');
      await supervisor.start(config('again', { maxSteps: 2 }));
      const event = await finished;
      expect(event.type).toBe('finished');
      if (event.type === 'finished') expect(event.summary.globalStep).toBe(2);
    } finally {
      supervisor.dispose();
    }
  });

  it('appends every step to metrics.jsonl', async () => {
    const supervisor = new TrainingSupervisor();
    try {
      const finished = nextEvent(supervisor, (event) => event.type === 'finished');
      await supervisor.start(config('metrics', { maxSteps: 5, eventsPerSecond: 0.1 }));
      await finished;
      const lines = (await readFile(path.join(root, 'runs', 'metrics', 'metrics.jsonl'), 'utf8'))
        .trim()
        .split('\n');
      const entries = lines.map((line) => JSON.parse(line));
      expect(
        entries.filter((entry) => entry.type === 'step').map((entry) => entry.globalStep),
      ).toEqual([1, 2, 3, 4, 5]);
      expect(entries.filter((entry) => entry.type === 'epoch')).toHaveLength(1);
      const saved = JSON.parse(
        await readFile(path.join(root, 'runs', 'metrics', 'config.json'), 'utf8'),
      );
      expect(saved.dataset.kind).toBe('sample');
    } finally {
      supervisor.dispose();
    }
  });

  it('saves, loads and predicts the same', async () => {
    const supervisor = new TrainingSupervisor();
    const dir = path.join(root, 'checkpoints', 'first');
    try {
      const finished = nextEvent(supervisor, (event) => event.type === 'finished');
      await supervisor.start(config('save', { maxSteps: 3 }));
      await finished;
      const indices = [0, 5, 9, 42];
      const before = await supervisor.predict(indices);
      await supervisor.saveCheckpoint(dir);
      supervisor.dispose();

      const meta = await supervisor.loadCheckpoint(dir);
      expect(meta.globalStep).toBe(3);
      expect(await supervisor.predict(indices)).toEqual(before);
    } finally {
      supervisor.dispose();
    }
  });

  it('reports a worker crash as an error and recovers', async () => {
    let handle: WorkerHandle | null = null;
    const supervisor = new TrainingSupervisor(() => (handle = forkWorker()));
    try {
      const firstStep = nextEvent(supervisor, (event) => event.type === 'step');
      await supervisor.start(config('crash'));
      await firstStep;
      const crashed = new Promise<TrainingEvent>((resolve) => {
        supervisor.onEvent((event) => event.type === 'error' && resolve(event));
      });
      (handle as WorkerHandle | null)?.kill();
      const event = await crashed;
      expect(event.type).toBe('error');
      if (event.type === 'error') expect(event.error.code).toBe('worker-crashed');
      expect(supervisor.state).toBe('failed');

      const finished = nextEvent(supervisor, (next) => next.type === 'finished');
      await supervisor.start(config('after-crash', { maxSteps: 1 }));
      await finished;
    } finally {
      supervisor.dispose();
    }
  });

  it('rejects a malformed start with a clear error', async () => {
    const supervisor = new TrainingSupervisor();
    try {
      const bad = config('bad', { hyperparameters: { ...TINY_HYPERPARAMETERS, batchSize: 0 } });
      const error = await supervisor.start(bad).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(LabError);
      expect((error as LabError).code).toBe('invalid-request');
      expect((error as LabError).message).toContain('batchSize');
    } finally {
      supervisor.dispose();
    }
  });
});

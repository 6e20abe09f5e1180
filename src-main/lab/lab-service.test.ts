import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NAME_PATTERN, type LabEvent } from '../../src-shared/contract';
import { getPreset } from '../../src-shared/presets';
import { TrainingSupervisor } from '../core/train/supervisor';
import { LabService } from './lab-service';
import type { Logger } from './log';
import { FakeWorker } from './test-worker';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const preset = getPreset('nin-28-lite');
const startRequest = { spec: preset.spec, hyperparameters: preset.hyperparameters, data: 'sample' };

interface Harness {
  lab: LabService;
  dataDir: string;
  workers: FakeWorker[];
  supervisorsCreated: () => number;
  events: LabEvent[];
}

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) {
    await cleanup();
  }
});

async function makeLab(dataDir?: string, startDelayMs = 0): Promise<Harness> {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'nin-lab-service-')));
  const workers: FakeWorker[] = [];
  let created = 0;
  const lab = await LabService.create({
    dataDir: dir,
    mode: 'browser',
    logger: quiet,
    systemLocale: 'zh-CN',
    createSupervisor: () => {
      created += 1;
      return new TrainingSupervisor(() => {
        const worker = new FakeWorker(startDelayMs);
        workers.push(worker);
        return worker;
      });
    },
  });
  const events: LabEvent[] = [];
  lab.subscribe((event) => events.push(event));
  cleanups.push(async () => {
    await lab.dispose();
    if (dataDir === undefined) {
      await rm(dir, { recursive: true, force: true });
    }
  });
  return { lab, dataDir: dir, workers, supervisorsCreated: () => created, events };
}

function stateOf(events: LabEvent[]): string | undefined {
  const states = events.filter((event) => event.type === 'state');
  const last = states.at(-1);
  return last?.type === 'state' ? last.state.training.state : undefined;
}

describe('LabService request validation', () => {
  const cases: Array<[string, unknown, unknown, string]> = [
    ['unknown channel', 'training.explode', {}, 'UNKNOWN_CHANNEL'],
    ['non-string channel', 42, {}, 'UNKNOWN_CHANNEL'],
    ['prototype key as channel', '__proto__', {}, 'UNKNOWN_CHANNEL'],
    ['request not an object', 'training.pause', 'now', 'INVALID_REQUEST'],
    ['extra key', 'training.pause', { force: true }, 'INVALID_REQUEST'],
    ['wrong type', 'dataset.examples', { split: 'train', count: '5' }, 'INVALID_REQUEST'],
    ['count too large', 'dataset.examples', { split: 'train', count: 100_000 }, 'INVALID_REQUEST'],
    ['parent path name', 'checkpoints.save', { name: '../x' }, 'INVALID_REQUEST'],
    ['absolute path name', 'checkpoints.load', { name: '/etc/passwd' }, 'INVALID_REQUEST'],
    ['nested path name', 'checkpoints.delete', { name: 'a/b' }, 'INVALID_REQUEST'],
    ['dot-dot name', 'checkpoints.delete', { name: '..' }, 'INVALID_REQUEST'],
    ['path as run id', 'runs.metrics', { runId: '../../etc' }, 'INVALID_REQUEST'],
    [
      'folder as training data',
      'training.start',
      { ...startRequest, data: { dir: '/tmp' } },
      'INVALID_REQUEST',
    ],
    [
      'run folder in start request',
      'training.start',
      { ...startRequest, runDir: '/tmp' },
      'INVALID_REQUEST',
    ],
    [
      'resume from a path',
      'training.start',
      { ...startRequest, resumeFrom: '../ckpt' },
      'INVALID_REQUEST',
    ],
    [
      'negative learning rate',
      'training.start',
      { ...startRequest, hyperparameters: { ...preset.hyperparameters, learningRate: -1 } },
      'INVALID_REQUEST',
    ],
    ['unknown setting', 'settings.update', { dataDir: '/tmp' }, 'INVALID_REQUEST'],
    ['unknown language', 'settings.update', { language: 'fr' }, 'INVALID_REQUEST'],
    ['fractional test index', 'training.predict', { testIndices: [1.5] }, 'INVALID_REQUEST'],
  ];

  it.each(cases)('%s is rejected', async (_name, channel, request, code) => {
    const { lab, dataDir, supervisorsCreated } = await makeLab();

    const reply = await lab.handle(channel, request);

    expect(reply.ok).toBe(false);
    expect(reply.ok ? null : reply.error.code).toBe(code);
    expect(reply.ok ? '' : reply.error.message).not.toBe('');
    expect(supervisorsCreated()).toBe(0);
    expect(await readdir(dataDir)).toEqual([]);
  });

  it('invalid request names the field', async () => {
    const { lab } = await makeLab();

    const reply = await lab.handle('dataset.examples', { split: 'train', count: 'many' });

    expect(reply.ok).toBe(false);
    expect(reply.ok ? null : reply.error.details?.path).toBe('count');
    expect(reply.ok ? '' : reply.error.message).toContain('count');
  });

  it('impossible spec is rejected with the layer', async () => {
    const { lab, supervisorsCreated } = await makeLab();
    const spec = { ...preset.spec, inputSize: 4 };

    const reply = await lab.handle('training.start', { ...startRequest, spec });

    expect(reply.ok ? null : reply.error.code).toBe('INVALID_SPEC');
    expect(reply.ok ? null : typeof reply.error.details?.layerName).toBe('string');
    expect(supervisorsCreated()).toBe(0);
  });

  it('missing request counts as empty', async () => {
    const { lab } = await makeLab();

    const reply = await lab.handle('settings.get', undefined);

    expect(reply.ok).toBe(true);
  });
});

describe('LabService settings and info', () => {
  it('settings update persists across instances', async () => {
    const first = await makeLab();
    const updated = await first.lab.handle('settings.update', {
      language: 'zh',
      shapeLayout: 'NHWC',
    });
    expect(updated).toMatchObject({
      ok: true,
      result: { language: 'zh', shapeLayout: 'NHWC', data: 'sample' },
    });

    const second = await makeLab(first.dataDir);
    const read = await second.lab.handle('settings.get', {});

    expect(read).toMatchObject({ ok: true, result: { language: 'zh', shapeLayout: 'NHWC' } });
  });

  it('app info reports mode and system language', async () => {
    const { lab, dataDir } = await makeLab();

    const reply = await lab.handle('app.info', {});

    expect(reply).toMatchObject({
      ok: true,
      result: {
        mode: 'browser',
        systemLocale: 'zh-CN',
        systemLanguage: 'zh',
        dataDir,
        canPickFolder: false,
        backend: null,
      },
    });
  });
});

describe('LabService datasets', () => {
  it('status shows the bundled sample in use', async () => {
    const { lab } = await makeLab();

    const reply = await lab.handle('dataset.status', {});

    expect(reply).toMatchObject({
      ok: true,
      result: {
        inUse: 'sample',
        downloading: false,
        sample: { available: true, source: 'bundled' },
        full: { available: false },
      },
    });
  });

  it('examples return 28x28 bytes and labels', async () => {
    const { lab } = await makeLab();

    const reply = await lab.handle('dataset.examples', { split: 'test', count: 3, start: 10 });

    expect(reply.ok).toBe(true);
    const result = reply.ok
      ? (reply.result as {
          examples: Array<{ index: number; label: number; pixelsBase64: string }>;
        })
      : null;
    expect(result?.examples.map((example) => example.index)).toEqual([10, 11, 12]);
    for (const example of result?.examples ?? []) {
      expect(Buffer.from(example.pixelsBase64, 'base64').length).toBe(784);
      expect(example.label).toBeGreaterThanOrEqual(0);
      expect(example.label).toBeLessThan(10);
    }
  });

  it('import without a folder is invalid in browser mode', async () => {
    const { lab } = await makeLab();

    const reply = await lab.handle('dataset.import', {});

    expect(reply.ok ? null : reply.error.code).toBe('INVALID_REQUEST');
  });

  it('training on the missing full set fails early', async () => {
    const { lab, supervisorsCreated } = await makeLab();

    const reply = await lab.handle('training.start', { ...startRequest, data: 'full' });

    expect(reply.ok ? null : reply.error.code).toBe('NOT_CACHED');
    expect(supervisorsCreated()).toBe(0);
  });
});

describe('LabService run lifecycle', () => {
  it('start, pause, resume, stop, start again', async () => {
    const { lab, events } = await makeLab();

    const started = await lab.handle('training.start', startRequest);
    expect(started).toMatchObject({
      ok: true,
      result: { data: 'sample', runId: expect.stringMatching(NAME_PATTERN) },
    });
    await expect.poll(() => stateOf(events)).toBe('running');

    const second = await lab.handle('training.start', startRequest);
    expect(second.ok ? null : second.error.code).toBe('RUN_ACTIVE');

    const resumeWhileRunning = await lab.handle('training.resume', {});
    expect(resumeWhileRunning.ok ? null : resumeWhileRunning.error.code).toBe('INVALID_STATE');

    expect(await lab.handle('training.pause', {})).toMatchObject({
      ok: true,
      result: { state: 'paused' },
    });
    expect(await lab.handle('training.resume', {})).toMatchObject({
      ok: true,
      result: { state: 'running' },
    });
    await lab.handle('training.stop', {});
    await expect.poll(() => stateOf(events)).toBe('stopped');

    const again = await lab.handle('training.start', startRequest);
    expect(again.ok).toBe(true);
    await expect.poll(() => stateOf(events)).toBe('running');
  });

  it('stop while starting stops the run', async () => {
    const { lab, events, workers } = await makeLab(undefined, 50);

    const start = lab.handle('training.start', startRequest);
    await expect.poll(() => lab.state.training.state).toBe('starting');
    const stop = await lab.handle('training.stop', {});

    expect(stop.ok).toBe(true);
    expect((await start).ok).toBe(true);
    expect(stateOf(events)).toBe('stopped');
    expect(workers[0].requests.map((request) => request.type)).toEqual(['start', 'stop']);
  });

  it('pause without a run is NO_RUN', async () => {
    const { lab } = await makeLab();

    for (const channel of ['training.pause', 'training.resume', 'training.stop']) {
      const reply = await lab.handle(channel, {});
      expect(reply.ok ? null : reply.error.code).toBe('NO_RUN');
    }
  });

  it('predict without a model is NO_MODEL', async () => {
    const { lab } = await makeLab();

    const reply = await lab.handle('training.predict', { testIndices: [0] });

    expect(reply.ok ? null : reply.error.code).toBe('NO_MODEL');
  });

  it('predict returns labels and argmax', async () => {
    const { lab, events } = await makeLab();
    await lab.handle('training.start', startRequest);
    await expect.poll(() => stateOf(events)).toBe('running');

    const reply = await lab.handle('training.predict', { testIndices: [3, 7] });

    expect(reply).toMatchObject({
      ok: true,
      result: {
        predictions: [
          { testIndex: 3, predicted: 3 },
          { testIndex: 7, predicted: 7 },
        ],
      },
    });
  });

  it('predict rejects an index past the split', async () => {
    const { lab, events } = await makeLab();
    await lab.handle('training.start', startRequest);
    await expect.poll(() => stateOf(events)).toBe('running');

    const reply = await lab.handle('training.predict', { testIndices: [0, 500] });

    expect(reply.ok ? null : reply.error.code).toBe('INVALID_REQUEST');
    expect(reply.ok ? '' : reply.error.message).toContain('500');
  });

  it('worker crash fails the run, then a new run starts', async () => {
    const { lab, events, workers } = await makeLab();
    await lab.handle('training.start', startRequest);
    await expect.poll(() => stateOf(events)).toBe('running');

    workers[0].crash();

    expect(stateOf(events)).toBe('failed');
    const status = await lab.handle('training.status', {});
    expect(status).toMatchObject({
      ok: true,
      result: { state: 'failed', error: { code: 'WORKER_FAILED' } },
    });
    const again = await lab.handle('training.start', startRequest);
    expect(again.ok).toBe(true);
    expect(workers).toHaveLength(2);
  });

  it('step events are throttled and kept in order', async () => {
    const { lab, events, workers } = await makeLab();
    await lab.handle('training.start', startRequest);
    await expect.poll(() => stateOf(events)).toBe('running');
    const before = events.length;

    workers[0].steps(50);
    workers[0].emit({ type: 'state', state: 'stopped' });

    const forwarded = events.slice(before).filter((event) => event.type === 'training');
    const steps = forwarded.filter(
      (event) => event.type === 'training' && event.event.type === 'step',
    );
    expect(steps.length).toBeLessThanOrEqual(2);
    const lastStep = steps.at(-1);
    expect(
      lastStep?.type === 'training' && lastStep.event.type === 'step'
        ? lastStep.event.metrics.step
        : null,
    ).toBe(50);
    expect(forwarded.at(-1)).toMatchObject({ event: { type: 'state', state: 'stopped' } });
  });

  it('unknown checkpoint cannot be loaded or resumed', async () => {
    const { lab, supervisorsCreated } = await makeLab();

    const load = await lab.handle('checkpoints.load', { name: 'missing' });
    const resume = await lab.handle('training.start', { ...startRequest, resumeFrom: 'missing' });
    const remove = await lab.handle('checkpoints.delete', { name: 'missing' });

    expect(load.ok ? null : load.error.code).toBe('NOT_FOUND');
    expect(resume.ok ? null : resume.error.code).toBe('NOT_FOUND');
    expect(remove.ok ? null : remove.error.code).toBe('NOT_FOUND');
    expect(supervisorsCreated()).toBe(0);
  });

  it('saving with no model is NO_MODEL', async () => {
    const { lab } = await makeLab();

    const reply = await lab.handle('checkpoints.save', { name: 'first' });

    expect(reply.ok ? null : reply.error.code).toBe('NO_MODEL');
  });
});

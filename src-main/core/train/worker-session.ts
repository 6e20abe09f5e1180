// The training worker's state machine: one model, one dataset and at most one run at a time.
// Transport-free: worker.ts connects it to child_process or Electron's utilityProcess.
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  runConfigSchema,
  type BackendName,
  type DataChoice,
  type DatasetSummary,
  type LabErrorData,
  type ParsedRunConfig,
  type RunState,
  type TrainingEvent,
  type WorkerRequest,
} from '../../../src-shared/training';
import { assertBackendCanTrain, initBackend, type BackendReport } from '../backend/backends';
import { DatasetCache } from '../data/cache';
import type { Dataset } from '../data/dataset';
import { buildModel } from '../model/build';
import { APP_VERSION } from '../version';
import { loadCheckpoint, saveCheckpoint, type CheckpointDataset } from './checkpoint';
import { toLabError } from './errors';
import { createOptimizer } from './optimizer';
import { predictTestImages } from './predict';
import { evaluateSplit, trainLoop, stepsPerEpoch, type TrainingState } from './trainer';

export interface EvaluationResult {
  testLoss: number;
  testAccuracy: number;
  count: number;
  imagesPerSecond: number;
  dataset: DatasetSummary;
  backend: BackendName;
}

type Send = (
  message:
    | { type: 'event'; event: TrainingEvent }
    | { type: 'reply'; id: number; ok: true; result: unknown }
    | { type: 'reply'; id: number; ok: false; error: LabErrorData },
) => void;

export class WorkerSession {
  private backend: BackendReport | null = null;
  private dataset: { key: string; value: Dataset } | null = null;
  private training: TrainingState | null = null;
  private state: RunState = 'idle';
  private paused = false;
  private stopRequested = false;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;

  constructor(private readonly send: Send) {}

  /** Handle one request; every request gets exactly one reply. */
  async handle(request: WorkerRequest): Promise<void> {
    try {
      const result = await this.dispatch(request);
      this.send({ type: 'reply', id: request.id, ok: true, result: result ?? null });
    } catch (error) {
      this.send({ type: 'reply', id: request.id, ok: false, error: toLabError(error) });
    }
  }

  private dispatch(request: WorkerRequest): Promise<unknown> | unknown {
    switch (request.type) {
      case 'start':
        return this.start(runConfigSchema.parse(request.config));
      case 'pause':
        return this.pause();
      case 'resume':
        return this.resume();
      case 'stop':
        return this.stop();
      case 'save-checkpoint':
        return this.save(request.dir);
      case 'load-checkpoint':
        return this.load(request.dir);
      case 'predict':
        return this.predict(request.testIndices, request.dataDir, request.data);
      case 'init-backend':
        return this.ensureBackend(request.backend);
      case 'evaluate':
        return this.evaluate(request.dataDir, request.data, request.maxTestImages);
    }
  }

  private emit(event: TrainingEvent): void {
    this.send({ type: 'event', event });
  }

  private setState(state: RunState): void {
    this.state = state;
    this.emit({ type: 'state', state });
  }

  private get busy(): boolean {
    return this.loop !== null;
  }

  private async ensureBackend(pin: BackendName | undefined): Promise<BackendReport> {
    if (this.backend && pin && this.backend.name !== pin) {
      throw Object.assign(
        new Error(
          `This worker already runs the ${this.backend.name} backend; the ${pin} backend needs a new worker.`,
        ),
        { code: 'backend-in-use' },
      );
    }
    this.backend ??= await initBackend({ pin });
    this.emit({ type: 'ready', backend: this.backend });
    return this.backend;
  }

  private async loadDataset(dataDir: string, choice: DataChoice): Promise<Dataset> {
    const key = `${dataDir}\n${typeof choice === 'string' ? choice : choice.dir}`;
    if (this.dataset?.key !== key) {
      const cache = new DatasetCache(dataDir);
      this.dataset = {
        key,
        value: await cache.load(typeof choice === 'string' ? choice : choice.dir),
      };
    }
    return this.dataset.value;
  }

  private async start(config: ParsedRunConfig): Promise<{ runId: string }> {
    if (this.busy)
      throw Object.assign(
        new Error('A run is already in progress. Stop it before starting another.'),
        { code: 'run-in-progress' },
      );
    this.setState('starting');
    try {
      const backend = await this.ensureBackend(config.backend);
      assertBackendCanTrain(backend);
      const dataset = await this.loadDataset(config.dataDir, config.data);
      const training = await this.prepareState(config);
      this.replaceTraining(training);
      await this.writeRunConfig(config, backend, dataset);
      this.emitRunStarted(config, backend, dataset, training);
      this.loop = this.runLoop(config, backend, dataset, training);
      return { runId: config.runId };
    } catch (error) {
      this.setState('failed');
      throw error;
    }
  }

  private async prepareState(config: ParsedRunConfig): Promise<TrainingState> {
    const fresh = { epoch: 1, stepInEpoch: 0, globalStep: 0, history: { steps: [], epochs: [] } };
    let model = null;
    let optimizer = null;
    let counters: Pick<TrainingState, 'epoch' | 'stepInEpoch' | 'globalStep' | 'history'> = fresh;
    if (config.resumeFrom) {
      // The saved counters continue; hyperparameters may change between sessions (more epochs, a new rate).
      const loaded = await loadCheckpoint(config.resumeFrom, {
        intoSpec: config.spec,
        hyperparameters: config.hyperparameters,
      });
      ({ model, optimizer } = loaded);
      counters = loaded.meta;
    }
    return {
      model: model ?? buildModel(config.spec, config.hyperparameters),
      optimizer: optimizer ?? createOptimizer(config.hyperparameters),
      spec: config.spec,
      hyperparameters: config.hyperparameters,
      epoch: counters.epoch,
      stepInEpoch: counters.stepInEpoch,
      globalStep: counters.globalStep,
      history: counters.history,
      diverged: false,
    };
  }

  private replaceTraining(training: TrainingState): void {
    if (this.training && this.training.model !== training.model) {
      this.training.model.dispose();
      this.training.optimizer.dispose();
    }
    this.training = training;
  }

  private async writeRunConfig(
    config: ParsedRunConfig,
    backend: BackendReport,
    dataset: Dataset,
  ): Promise<void> {
    await mkdir(config.runDir, { recursive: true });
    const record = {
      ...config,
      appVersion: APP_VERSION,
      startedAt: new Date().toISOString(),
      backend,
      dataset: summarize(dataset),
    };
    await writeFile(path.join(config.runDir, 'config.json'), JSON.stringify(record, null, 1));
  }

  private emitRunStarted(
    config: ParsedRunConfig,
    backend: BackendReport,
    dataset: Dataset,
    training: TrainingState,
  ): void {
    const perEpoch = stepsPerEpoch(dataset.train, config.hyperparameters.batchSize);
    const planned = config.hyperparameters.epochs * perEpoch;
    this.emit({
      type: 'run-started',
      runId: config.runId,
      backend,
      dataset: summarize(dataset),
      stepsPerEpoch: perEpoch,
      totalSteps: config.maxSteps
        ? Math.min(planned, training.globalStep + config.maxSteps)
        : planned,
      microBatchSize: null,
      startEpoch: training.epoch,
      startGlobalStep: training.globalStep,
    });
  }

  private async runLoop(
    config: ParsedRunConfig,
    backend: BackendReport,
    dataset: Dataset,
    training: TrainingState,
  ): Promise<void> {
    const metrics: WriteStream = createWriteStream(path.join(config.runDir, 'metrics.jsonl'), {
      flags: 'a',
    });
    this.paused = false;
    this.stopRequested = false;
    this.setState('running');
    const started = performance.now();
    let outcome: 'finished' | 'stopped' | Error;
    try {
      outcome = await trainLoop(training, {
        dataset,
        backend: backend.name,
        maxSteps: config.maxSteps,
        maxTestImages: config.maxTestImages,
        eventsPerSecond: config.eventsPerSecond,
        emit: (event) => this.emit(event),
        record: (entry) => metrics.write(`${JSON.stringify(entry)}\n`),
        checkpoint: () => this.betweenSteps(),
      });
    } catch (error) {
      outcome = error instanceof Error ? error : new Error(String(error));
    }
    await new Promise<void>((resolve) => metrics.end(resolve));
    // The loop is over before anyone hears of it, so a listener may save or predict at once.
    this.loop = null;
    if (outcome instanceof Error) {
      this.emit({ type: 'error', error: toLabError(outcome) });
      this.setState('failed');
    } else {
      this.finish(config, backend, dataset, training, outcome, started);
    }
  }

  private finish(
    config: ParsedRunConfig,
    backend: BackendReport,
    dataset: Dataset,
    training: TrainingState,
    outcome: 'finished' | 'stopped',
    started: number,
  ): void {
    const lastEpoch = training.history.epochs.at(-1);
    const elapsedSeconds = (performance.now() - started) / 1000;
    const lastStep = training.history.steps.at(-1);
    const state: RunState = outcome === 'finished' ? 'finished' : 'stopped';
    this.emit({
      type: 'finished',
      summary: {
        runId: config.runId,
        state,
        epochsCompleted: epochsDone(
          training,
          stepsPerEpoch(dataset.train, training.hyperparameters.batchSize),
        ),
        globalStep: training.globalStep,
        testAccuracy: lastEpoch ? lastEpoch.testAccuracy : null,
        imagesPerSecond: lastEpoch?.imagesPerSecond ?? lastStep?.imagesPerSecond ?? 0,
        elapsedSeconds,
        backend: backend.name,
        dataset: summarize(dataset),
      },
    });
    this.setState(state);
  }

  /** Pause and stop points between steps; also lets queued messages in. */
  private async betweenSteps(): Promise<'go' | 'stop'> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.paused && !this.stopRequested) {
      if (this.state !== 'paused') this.setState('paused');
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    if (this.stopRequested) return 'stop';
    if (this.state !== 'running') this.setState('running');
    return 'go';
  }

  private pause(): void {
    if (!this.busy)
      throw Object.assign(new Error('No run is in progress, so there is nothing to pause.'), {
        code: 'no-run',
      });
    this.paused = true;
  }

  private resume(): void {
    if (!this.busy)
      throw Object.assign(
        new Error(
          'No run is in progress, so there is nothing to resume. Start a run, or load a checkpoint and train to continue it.',
        ),
        { code: 'no-run' },
      );
    this.paused = false;
    this.wake?.();
  }

  private async stop(): Promise<void> {
    if (!this.loop) return;
    this.stopRequested = true;
    this.setState('stopping');
    this.wake?.();
    await this.loop;
  }

  private async save(dir: string): Promise<unknown> {
    const training = this.requireModel();
    if (this.busy && !this.paused)
      throw Object.assign(
        new Error(
          'Pause or stop the run before saving a checkpoint, so the weights do not change while they are written.',
        ),
        { code: 'run-in-progress' },
      );
    if (!this.backend || !this.dataset)
      throw Object.assign(new Error('Train the model before saving it.'), { code: 'no-model' });
    return saveCheckpoint(dir, training, {
      dataset: checkpointDataset(this.dataset.value),
      backend: this.backend.name,
    });
  }

  private async load(dir: string): Promise<unknown> {
    if (this.busy)
      throw Object.assign(new Error('Stop the run before loading a checkpoint.'), {
        code: 'run-in-progress',
      });
    await this.ensureBackend(undefined);
    const { meta, model, optimizer } = await loadCheckpoint(dir);
    this.replaceTraining({
      model,
      optimizer,
      spec: meta.spec,
      hyperparameters: meta.hyperparameters,
      epoch: meta.epoch,
      stepInEpoch: meta.stepInEpoch,
      globalStep: meta.globalStep,
      history: meta.history,
      diverged: false,
    });
    return meta;
  }

  private async predict(
    testIndices: number[],
    dataDir?: string,
    choice?: DataChoice,
  ): Promise<number[][]> {
    const training = this.requireModel();
    // The bundled sample needs no data folder, so any path serves for it.
    const dataset =
      dataDir && choice
        ? await this.loadDataset(dataDir, choice)
        : (this.dataset?.value ?? (await this.loadDataset(process.cwd(), 'sample')));
    return predictTestImages(training, dataset.test, testIndices);
  }

  private async evaluate(
    dataDir: string,
    choice: DataChoice,
    maxTestImages?: number,
  ): Promise<EvaluationResult> {
    const training = this.requireModel();
    if (this.busy)
      throw Object.assign(new Error('Stop the run before evaluating.'), {
        code: 'run-in-progress',
      });
    const dataset = await this.loadDataset(dataDir, choice);
    const started = performance.now();
    const totals = evaluateSplit(training, dataset.test, maxTestImages);
    const seconds = (performance.now() - started) / 1000;
    return {
      testLoss: totals.lossSum / totals.count,
      testAccuracy: totals.correct / totals.count,
      count: totals.count,
      imagesPerSecond: totals.count / seconds,
      dataset: summarize(dataset),
      backend: this.backend?.name ?? 'cpu',
    };
  }

  private requireModel(): TrainingState {
    if (!this.training)
      throw Object.assign(
        new Error('There is no model yet: train one or load a checkpoint first.'),
        { code: 'no-model' },
      );
    return this.training;
  }
}

/** Epochs trained so far, with the partial epoch as a fraction rounded to 0.01. */
function epochsDone(training: TrainingState, perEpoch: number): number {
  return Math.round((training.epoch - 1 + training.stepInEpoch / perEpoch) * 100) / 100;
}

function summarize(dataset: Dataset): DatasetSummary {
  const { kind, source, official, trainCount, testCount } = dataset.identity;
  return { kind, source, official, trainCount, testCount };
}

function checkpointDataset(dataset: Dataset): CheckpointDataset {
  return { ...summarize(dataset), files: dataset.identity.files };
}

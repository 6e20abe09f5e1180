// The training side of the lab: one supervisor (one worker process at a time), the state of
// the current run as the renderer shows it, and checkpoints saved from or loaded into it.
import { stat } from 'node:fs/promises';
import type {
  DataKind,
  LabErrorData,
  LoadedCheckpoint,
  ParsedRequestOf,
  TrainingStatus,
} from '../../src-shared/contract';
import { tryInferShapes } from '../../src-shared/shapes';
import type {
  BackendReportData,
  RunConfig,
  RunState,
  TrainingEvent,
} from '../../src-shared/training';
import type { CheckpointMeta } from '../core/train/checkpoint';
import { newRunId } from '../core/paths';
import type { TrainingSupervisor } from '../core/train/supervisor';
import { namedChild, type DataFolder } from './data-folder';
import { LabError, withContractCode } from './errors';

/** The supervisor methods the lab uses; tests may pass another implementation. */
export type SupervisorPort = Pick<
  TrainingSupervisor,
  | 'state'
  | 'onEvent'
  | 'start'
  | 'pause'
  | 'resume'
  | 'stop'
  | 'saveCheckpoint'
  | 'loadCheckpoint'
  | 'predict'
  | 'initBackend'
  | 'dispose'
>;
export type CreateSupervisor = () => SupervisorPort;

const ACTIVE_STATES: readonly RunState[] = ['starting', 'running', 'paused', 'stopping'];

export interface TrainingHost {
  folder: DataFolder;
  createSupervisor: CreateSupervisor;
  /** Called with every supervisor event after the status took it in. */
  onTrainingEvent(runId: string | null, event: TrainingEvent): void;
  /** Called whenever the status changed. */
  onStatusChange(): void;
}

export function idleStatus(): TrainingStatus {
  return {
    state: 'idle',
    runId: null,
    data: null,
    spec: null,
    hyperparameters: null,
    checkpoint: null,
    backend: null,
    dataset: null,
    stepsPerEpoch: null,
    totalSteps: null,
    lastStep: null,
    lastEpoch: null,
    summary: null,
    error: null,
  };
}

export class TrainingController {
  private supervisor: SupervisorPort | null = null;
  private status: TrainingStatus = idleStatus();
  /** Data of the worker's model, used to look up test labels for predictions. */
  private modelData: DataKind | null = null;
  /**
   * Dataset in the worker's memory, which predict() uses. A worker that never trained loads the
   * sample to predict, so a loaded checkpoint predicts on the data of the last run, if any.
   */
  private workerData: DataKind | null = null;
  /** Set while start or load awaits the worker, so a second one is rejected at once. */
  private transition: 'start' | 'load' | null = null;
  /** Settles when the pending start or load has; stop() waits for it. */
  private pending: Promise<unknown> = Promise.resolve();
  backend: BackendReportData | null = null;

  constructor(private readonly host: TrainingHost) {}

  get current(): TrainingStatus {
    return structuredClone(this.status);
  }

  get active(): boolean {
    return this.transition !== null || ACTIVE_STATES.includes(this.status.state);
  }

  /** Data of the model predict() uses; null when there is no model. */
  get predictionData(): DataKind | null {
    return this.modelData;
  }

  async start(
    request: ParsedRequestOf<'training.start'>,
    data: DataKind,
    backend: RunConfig['backend'],
  ): Promise<TrainingStatus> {
    this.assertIdle('start a run');
    checkSpec(request.spec);
    const resumeDir =
      request.resumeFrom === undefined
        ? undefined
        : await this.existingCheckpoint(request.resumeFrom);

    const runId = newRunId();
    const config: RunConfig = {
      runId,
      runDir: namedChild(this.host.folder.runs, runId),
      dataDir: this.host.folder.root,
      data,
      spec: request.spec,
      hyperparameters: request.hyperparameters,
      backend,
      resumeFrom: resumeDir,
      maxSteps: request.maxSteps,
      maxTestImages: request.maxTestImages,
    };
    this.status = {
      ...idleStatus(),
      state: 'starting',
      runId,
      data,
      spec: request.spec,
      hyperparameters: request.hyperparameters,
      checkpoint: request.resumeFrom ?? null,
    };
    this.host.onStatusChange();
    await this.during('start', () => this.ensureSupervisor().start(config)).catch(
      (error: unknown) => {
        this.fail(error, 'training.start');
        throw error;
      },
    );
    this.modelData = data;
    this.workerData = data;
    return this.current;
  }

  async pause(): Promise<TrainingStatus> {
    this.requireState(['running'], 'pause');
    await this.requireSupervisor().pause();
    return this.settle('paused');
  }

  async resume(): Promise<TrainingStatus> {
    this.requireState(['paused'], 'resume');
    await this.requireSupervisor().resume();
    return this.settle('running');
  }

  async stop(): Promise<TrainingStatus> {
    this.requireState(['running', 'paused', 'starting'], 'stop');
    // The worker ignores stop until its run loop exists, so a stop during 'starting' waits.
    await this.pending.catch(() => undefined);
    await this.requireSupervisor().stop();
    return this.current;
  }

  async predict(testIndices: number[]): Promise<number[][]> {
    if (this.supervisor === null || this.modelData === null) {
      throw new LabError(
        'NO_MODEL',
        'There is no model to predict with: train one or load a checkpoint first.',
      );
    }
    return this.supervisor.predict(testIndices);
  }

  /** Saves the model; a running run is paused for the write and resumed after it. */
  async saveCheckpoint(dir: string): Promise<void> {
    if (this.supervisor === null || this.modelData === null) {
      throw new LabError(
        'NO_MODEL',
        'There is no model to save: train one or load a checkpoint first.',
      );
    }
    const supervisor = this.supervisor;
    const pauseForWrite = this.status.state === 'running';
    if (pauseForWrite) {
      await supervisor.pause();
      await this.settle('paused');
    }
    try {
      await supervisor.saveCheckpoint(dir);
    } finally {
      if (pauseForWrite) {
        await supervisor.resume();
      }
    }
  }

  /** Loads a checkpoint's model for predict and makes its spec, hyperparameters and curves current. */
  async loadCheckpoint(name: string): Promise<LoadedCheckpoint> {
    this.assertIdle('load a checkpoint');
    const dir = await this.existingCheckpoint(name);
    const meta: CheckpointMeta = await this.during('load', () =>
      this.ensureSupervisor().loadCheckpoint(dir),
    );

    // NOTE: the worker predicts on the dataset it holds, not the one the checkpoint names.
    this.modelData = this.workerData ?? 'sample';
    this.status = {
      ...idleStatus(),
      data: meta.dataset.kind,
      spec: meta.spec,
      hyperparameters: meta.hyperparameters,
      checkpoint: name,
      backend: this.backend,
      dataset: stripFiles(meta.dataset),
      lastStep: meta.history.steps.at(-1) ?? null,
      lastEpoch: meta.history.epochs.at(-1) ?? null,
    };
    this.host.onStatusChange();
    return {
      name,
      spec: meta.spec,
      hyperparameters: meta.hyperparameters,
      epoch: meta.epoch,
      globalStep: meta.globalStep,
      history: meta.history,
      dataset: stripFiles(meta.dataset),
      backend: meta.backend,
    };
  }

  /** Returns `<checkpoints>/<name>`; NOT_FOUND when that folder does not exist. */
  async existingCheckpoint(name: string): Promise<string> {
    const dir = namedChild(this.host.folder.checkpoints, name);
    const found = await stat(dir).then(
      (stats) => stats.isDirectory(),
      () => false,
    );
    if (!found) {
      throw new LabError(
        'NOT_FOUND',
        `Checkpoint "${name}" not found. Choose one from the list of checkpoints.`,
        { name },
      );
    }
    return dir;
  }

  /**
   * Starts the worker and loads its backend before any run, so the status bar can name it.
   * Returns the error message instead of throwing: the first run reports a failing backend too.
   */
  async loadBackend(pin: RunConfig['backend']): Promise<string | null> {
    try {
      const report = await this.ensureSupervisor().initBackend(pin);
      this.backend = report;
      if (!this.active) this.status.backend = report;
      this.host.onStatusChange();
      return null;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }

  /** Stops the worker process; the status stays for a last look. */
  dispose(): void {
    this.supervisor?.dispose();
    this.supervisor = null;
  }

  private ensureSupervisor(): SupervisorPort {
    if (this.supervisor === null) {
      const supervisor = this.host.createSupervisor();
      supervisor.onEvent((event) => this.receive(event));
      this.supervisor = supervisor;
    }
    return this.supervisor;
  }

  private requireSupervisor(): SupervisorPort {
    if (this.supervisor === null) {
      throw new LabError('NO_RUN', 'No run is in progress. Start a run first.');
    }
    return this.supervisor;
  }

  private async during<T>(transition: 'start' | 'load', work: () => Promise<T>): Promise<T> {
    this.transition = transition;
    const running = work();
    this.pending = running;
    try {
      return await running;
    } finally {
      this.transition = null;
    }
  }

  private assertIdle(action: string): void {
    if (this.active) {
      throw new LabError(
        'RUN_ACTIVE',
        `Cannot ${action} while run ${this.status.runId ?? ''} is ${this.transition ?? this.status.state}. Stop it first.`,
        { state: this.status.state },
      );
    }
  }

  private requireState(allowed: readonly RunState[], action: string): void {
    if (this.status.runId === null || !ACTIVE_STATES.includes(this.status.state)) {
      throw new LabError(
        'NO_RUN',
        `No run is in progress, so there is nothing to ${action}. Start a run first.`,
      );
    }
    if (!allowed.includes(this.status.state)) {
      throw new LabError(
        'INVALID_STATE',
        `Cannot ${action} run ${this.status.runId} while it is ${this.status.state}.`,
        {
          state: this.status.state,
        },
      );
    }
  }

  /** Takes the state the worker reached once its reply arrived, if its state event came later. */
  private settle(reached: RunState): TrainingStatus {
    if (this.status.state !== reached && ACTIVE_STATES.includes(this.status.state)) {
      this.status.state = reached;
      this.host.onStatusChange();
    }
    return this.current;
  }

  private fail(error: unknown, operation: string): void {
    const data: LabErrorData =
      error instanceof LabError
        ? { code: error.code, message: error.message }
        : withContractCode({
            code: codeOf(error),
            message: `${operation} failed: ${String((error as Error)?.message ?? error)}`,
          });
    this.status = { ...this.status, state: 'failed', error: data };
    this.host.onStatusChange();
  }

  private receive(event: TrainingEvent): void {
    const changed = this.apply(event);
    const forwarded =
      event.type === 'error' ? { ...event, error: withContractCode(event.error) } : event;
    this.host.onTrainingEvent(this.status.runId, forwarded);
    if (changed) {
      this.host.onStatusChange();
    }
  }

  /** Updates the status from one event; returns true when the run's state or identity changed. */
  private apply(event: TrainingEvent): boolean {
    switch (event.type) {
      case 'ready':
        this.backend = event.backend;
        this.status.backend = event.backend;
        return false;
      case 'run-started':
        Object.assign(this.status, {
          backend: event.backend,
          dataset: event.dataset,
          stepsPerEpoch: event.stepsPerEpoch,
          totalSteps: event.totalSteps,
        });
        this.backend = event.backend;
        return true;
      case 'state':
        return this.applyState(event.state);
      case 'step':
        this.status.lastStep = event.metrics;
        return false;
      case 'epoch':
        this.status.lastEpoch = event.metrics;
        return false;
      case 'error':
        this.status.error = withContractCode(event.error);
        if (event.error.code === 'worker-crashed') {
          this.modelData = null;
          this.workerData = null;
        }
        return false;
      case 'finished':
        this.status.summary = event.summary;
        return this.applyState(event.summary.state);
      case 'log':
        return false;
    }
  }

  private applyState(state: RunState): boolean {
    if (this.status.state === state) {
      return false;
    }
    // A worker that exits with no run reports 'failed' only when it was active.
    if (this.status.runId === null && state !== 'failed') {
      return false;
    }
    this.status.state = state;
    return true;
  }
}

function checkSpec(spec: ParsedRequestOf<'training.start'>['spec']): void {
  const shapes = tryInferShapes(spec);
  if (!shapes.ok) {
    throw new LabError('INVALID_SPEC', shapes.message, {
      layerIndex: shapes.issue.layerIndex,
      layerName: shapes.issue.layerName,
    });
  }
}

function stripFiles(dataset: CheckpointMeta['dataset']): LoadedCheckpoint['dataset'] {
  const { kind, source, official, trainCount, testCount } = dataset;
  return { kind, source, official, trainCount, testCount };
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'INTERNAL';
}

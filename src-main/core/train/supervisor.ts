// Supervises the training worker process from a host (CLI, Electron main, browser-mode server):
// typed requests with replies, events to listeners, and a crash reported as an error.
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  workerMessageSchema,
  type BackendName,
  type BackendReportData,
  type DataChoice,
  type LabErrorData,
  type RunConfig,
  type RunState,
  type TrainingEvent,
  type WorkerMessage,
  type WorkerRequest,
} from '../../../src-shared/training';
import type { CheckpointMeta } from './checkpoint';
import type { EvaluationResult } from './worker-session';

/** A worker process seen from the host, whichever API started it. */
export interface WorkerHandle {
  send(message: WorkerRequest): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  kill(): void;
}

export type SpawnWorker = () => WorkerHandle;

/** An error reply from the worker, as an Error with the reply's code. */
export class LabError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'LabError';
  }

  toData(): LabErrorData {
    return { code: this.code, message: this.message };
  }
}

const here = path.dirname(fileURLToPath(import.meta.url));

/** Start the worker with Node's child_process.fork; TypeScript sources run through tsx. */
export function forkWorker(): WorkerHandle {
  const built = path.join(here, 'worker.js');
  const entry = existsSync(built) ? built : path.join(here, 'worker.ts');
  const execArgv = entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = fork(entry, [], {
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  return {
    send: (message) => child.send(message),
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => child.on('exit', listener),
    kill: () => child.kill(),
  };
}

type Request = WorkerRequest extends infer R
  ? R extends { id: number }
    ? Omit<R, 'id'>
    : never
  : never;

interface Pending {
  resolve(result: unknown): void;
  reject(error: LabError): void;
}

export class TrainingSupervisor {
  private worker: WorkerHandle | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(event: TrainingEvent) => void>();
  private currentState: RunState = 'idle';
  private workerBackend: string | undefined;

  constructor(private readonly spawn: SpawnWorker = forkWorker) {}

  get state(): RunState {
    return this.currentState;
  }

  /** Subscribe to the worker's events; returns the unsubscribe function. */
  onEvent(listener: (event: TrainingEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Start a run; resolves once the worker has built the model and loaded the data. */
  async start(config: RunConfig): Promise<void> {
    // A backend is chosen once per process, so another pin needs a fresh worker.
    if (this.worker && config.backend && this.workerBackend !== config.backend)
      this.restartWorker();
    this.workerBackend = config.backend;
    await this.request({ type: 'start', config });
  }

  pause(): Promise<void> {
    return this.request({ type: 'pause' }).then(() => undefined);
  }

  resume(): Promise<void> {
    return this.request({ type: 'resume' }).then(() => undefined);
  }

  /** Stop the run; resolves when the worker has left its loop. */
  stop(): Promise<void> {
    if (!this.worker) return Promise.resolve();
    return this.request({ type: 'stop' }).then(() => undefined);
  }

  saveCheckpoint(dir: string): Promise<CheckpointMeta> {
    return this.request({ type: 'save-checkpoint', dir }) as Promise<CheckpointMeta>;
  }

  /** Load a checkpoint into the worker for predict(); the run state does not change. */
  loadCheckpoint(dir: string): Promise<CheckpointMeta> {
    return this.request({ type: 'load-checkpoint', dir }) as Promise<CheckpointMeta>;
  }

  /** Evaluate the worker's model (trained or loaded) on the test split of a dataset. */
  evaluate(dataDir: string, data: DataChoice, maxTestImages?: number): Promise<EvaluationResult> {
    return this.request({
      type: 'evaluate',
      dataDir,
      data,
      maxTestImages,
    }) as Promise<EvaluationResult>;
  }

  /** Class probabilities for test images of `dataset`, else of the run's dataset or the bundled sample. */
  predict(
    testIndices: number[],
    dataset?: { dataDir: string; data: DataChoice },
  ): Promise<number[][]> {
    return this.request({ type: 'predict', testIndices, ...dataset }) as Promise<number[][]>;
  }

  /** Load the backend in the worker (or return the one it runs) without starting a run. */
  initBackend(backend?: BackendName): Promise<BackendReportData> {
    if (this.worker && backend && this.workerBackend !== backend) this.restartWorker();
    this.workerBackend = backend;
    return this.request({ type: 'init-backend', backend }) as Promise<BackendReportData>;
  }

  /** End the worker process; pending requests fail. */
  dispose(): void {
    const worker = this.worker;
    this.worker = null;
    worker?.kill();
    this.failPending(new LabError('worker-stopped', 'The training worker was shut down.'));
  }

  private restartWorker(): void {
    this.dispose();
    this.currentState = 'idle';
  }

  private ensureWorker(): WorkerHandle {
    if (this.worker) return this.worker;
    const worker = this.spawn();
    worker.onMessage((raw) => this.receive(raw));
    worker.onExit((code, signal) => this.exited(worker, code, signal));
    this.worker = worker;
    return worker;
  }

  private request(request: Request): Promise<unknown> {
    const id = this.nextId++;
    const worker = this.ensureWorker();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.send({ ...request, id } as WorkerRequest);
    });
  }

  private receive(raw: unknown): void {
    const parsed = workerMessageSchema.safeParse(raw);
    if (!parsed.success) return;
    const message: WorkerMessage = parsed.data;
    if (message.type === 'event') {
      if (message.event.type === 'state') this.currentState = message.event.state;
      for (const listener of this.listeners) listener(message.event);
      return;
    }
    const pending = this.pending.get(message.id);
    this.pending.delete(message.id);
    if (!pending) return;
    if (message.ok) pending.resolve(message.result);
    else pending.reject(new LabError(message.error.code, message.error.message));
  }

  /** Report a worker that exited on its own (a crash, for example out of memory) and fail pending requests. */
  private exited(worker: WorkerHandle, code: number | null, signal: string | null): void {
    if (this.worker !== worker) return;
    this.worker = null;
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    const error = new LabError(
      'worker-crashed',
      `The training worker ${how}, probably out of memory or a crash in the backend. ` +
        'The app is still running: try a smaller batch size or input size, then train again.',
    );
    this.failPending(error);
    const wasActive = this.currentState !== 'idle';
    this.currentState = wasActive ? 'failed' : 'idle';
    for (const listener of this.listeners) {
      listener({ type: 'error', error: error.toData() });
      if (wasActive) listener({ type: 'state', state: 'failed' });
    }
  }

  private failPending(error: LabError): void {
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}

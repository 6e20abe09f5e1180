// A scripted training worker for LabService tests: it speaks the worker protocol to the real
// TrainingSupervisor (replies with ids, state and run events) without TensorFlow.js, so run
// lifecycles can be tested in milliseconds. Real training is covered by lab-service.real.test.ts.
import type { BackendReportData, TrainingEvent, WorkerRequest } from '../../src-shared/training';
import type { WorkerHandle } from '../core/train/supervisor';

export const FAKE_BACKEND: BackendReportData = {
  name: 'cpu',
  tfjsBackend: 'cpu',
  device: 'fake CPU',
  threads: 1,
  skipped: [],
};

export class FakeWorker implements WorkerHandle {
  readonly requests: WorkerRequest[] = [];
  private readonly messageListeners: Array<(message: unknown) => void> = [];
  private readonly exitListeners: Array<(code: number | null, signal: string | null) => void> = [];
  private runId = '';
  killed = false;

  /** True between a start reply and a stop, as the real worker's run loop. */
  private running = false;

  /**
   * Milliseconds before the reply to a start. The real worker loads data and builds the model
   * before it replies, and replies to other requests meanwhile.
   */
  constructor(private readonly startDelayMs = 0) {}

  send(message: WorkerRequest): void {
    this.requests.push(message);
    if (message.type === 'start' && this.startDelayMs > 0) {
      setTimeout(() => this.answer(message), this.startDelayMs);
      return;
    }
    setImmediate(() => this.answer(message));
  }

  onMessage(listener: (message: unknown) => void): void {
    this.messageListeners.push(listener);
  }

  onExit(listener: (code: number | null, signal: string | null) => void): void {
    this.exitListeners.push(listener);
  }

  kill(): void {
    this.killed = true;
  }

  /** Sends one event as the worker would. */
  emit(event: TrainingEvent): void {
    for (const listener of this.messageListeners) {
      listener({ type: 'event', event });
    }
  }

  /** Exits as a crashed worker would (for example killed for memory). */
  crash(): void {
    for (const listener of this.exitListeners) {
      listener(null, 'SIGKILL');
    }
  }

  /** Emits `count` step events of epoch 1 with loss falling from 2.3. */
  steps(count: number): void {
    for (let step = 1; step <= count; step += 1) {
      this.emit({
        type: 'step',
        metrics: {
          epoch: 1,
          step,
          stepsPerEpoch: count,
          globalStep: step,
          loss: 2.3 / step,
          batchAccuracy: 0.1,
          runningAccuracy: 0.1,
          imagesPerSecond: 100,
          etaSeconds: 1,
        },
      });
    }
  }

  private reply(id: number, result: unknown = null): void {
    for (const listener of this.messageListeners) {
      listener({ type: 'reply', id, ok: true, result });
    }
  }

  private answerStart(message: Extract<WorkerRequest, { type: 'start' }>): void {
    this.runId = message.config.runId;
    this.emit({ type: 'ready', backend: FAKE_BACKEND });
    this.emit({ type: 'state', state: 'starting' });
    this.emit({
      type: 'run-started',
      runId: this.runId,
      backend: FAKE_BACKEND,
      dataset: {
        kind: 'sample',
        source: 'bundled',
        official: true,
        trainCount: 5000,
        testCount: 500,
      },
      stepsPerEpoch: 10,
      totalSteps: 10,
      microBatchSize: null,
      startEpoch: 1,
      startGlobalStep: 0,
    });
    this.reply(message.id, { runId: this.runId });
    this.running = true;
    this.emit({ type: 'state', state: 'running' });
  }

  private answer(message: WorkerRequest): void {
    switch (message.type) {
      case 'start':
        this.answerStart(message);
        return;
      case 'pause':
        this.reply(message.id);
        this.emit({ type: 'state', state: 'paused' });
        return;
      case 'resume':
        this.reply(message.id);
        this.emit({ type: 'state', state: 'running' });
        return;
      case 'stop':
        // Like the real worker, a stop before the run loop exists does nothing.
        if (!this.running) {
          this.reply(message.id);
          return;
        }
        this.running = false;
        this.emit({ type: 'state', state: 'stopping' });
        this.emit({ type: 'state', state: 'stopped' });
        this.reply(message.id);
        return;
      case 'predict':
        this.reply(
          message.id,
          message.testIndices.map((index) =>
            Array.from({ length: 10 }, (_, label) => (label === index % 10 ? 0.91 : 0.01)),
          ),
        );
        return;
      default:
        for (const listener of this.messageListeners) {
          listener({
            type: 'reply',
            id: message.id,
            ok: false,
            error: { code: 'internal', message: `fake worker: ${message.type} not scripted` },
          });
        }
    }
  }
}

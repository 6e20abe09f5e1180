// The current run in the renderer: state, progress, backend and the metrics history behind
// the curves.
import type { MetricsHistory, TrainingStatus } from '../../../../src-shared/contract';
import type { DataKind } from '../../../../src-shared/contract';
import type {
  BackendReportData,
  DatasetSummary,
  EpochMetrics,
  RunState,
  StepMetrics,
  TrainingEvent,
} from '../../../../src-shared/training';

/** States in which a run occupies the worker, so Train is disabled and Stop enabled. */
const ACTIVE_STATES: readonly RunState[] = ['starting', 'running', 'paused', 'stopping'];

export class TrainingState {
  state = $state<RunState>('idle');
  runId = $state<string | null>(null);
  data = $state<DataKind | null>(null);
  backend = $state.raw<BackendReportData | null>(null);
  dataset = $state.raw<DatasetSummary | null>(null);
  stepsPerEpoch = $state<number | null>(null);
  totalSteps = $state<number | null>(null);
  /** Epochs the run was asked for, from its hyperparameters. */
  epochs = $state<number | null>(null);
  /** Images per forward/backward pass when batches are split to fit memory. */
  microBatchSize = $state<number | null>(null);
  checkpoint = $state<string | null>(null);
  lastStep = $state.raw<StepMetrics | null>(null);
  lastEpoch = $state.raw<EpochMetrics | null>(null);

  // The history grows by one entry per event. A plain array plus a version counter avoids
  // copying it on every step, and readers of `history` re-run when the version changes.
  #steps: StepMetrics[] = [];
  #epochs: EpochMetrics[] = [];
  version = $state(0);

  readonly active = $derived(ACTIVE_STATES.includes(this.state));
  /** Fraction of the run's steps done, in [0, 1]. */
  readonly progress = $derived.by(() => {
    if (!this.lastStep || !this.totalSteps) return this.state === 'finished' ? 1 : 0;
    return Math.min(1, this.lastStep.globalStep / this.totalSteps);
  });

  get history(): MetricsHistory {
    void this.version;
    return { steps: this.#steps, epochs: this.#epochs };
  }

  replaceHistory(history: MetricsHistory): void {
    this.#steps = [...history.steps];
    this.#epochs = [...history.epochs];
    this.lastStep = history.steps.at(-1) ?? null;
    this.lastEpoch = history.epochs.at(-1) ?? null;
    this.version += 1;
  }

  /** Take over a status from the main side, for example after a page reload. */
  applyStatus(status: TrainingStatus): void {
    this.state = status.state;
    this.runId = status.runId;
    this.data = status.data;
    this.checkpoint = status.checkpoint;
    this.backend = status.backend ?? this.backend;
    this.dataset = status.dataset;
    this.stepsPerEpoch = status.stepsPerEpoch;
    this.totalSteps = status.totalSteps;
    this.epochs = status.hyperparameters?.epochs ?? this.epochs;
    this.lastStep = status.lastStep ?? this.lastStep;
    this.lastEpoch = status.lastEpoch ?? this.lastEpoch;
  }

  /** Apply one training event of the current run; 'log' and 'error' are shown elsewhere. */
  applyEvent(event: TrainingEvent): void {
    switch (event.type) {
      case 'ready':
        this.backend = event.backend;
        break;
      case 'run-started':
        this.#startRun(event);
        break;
      case 'state':
        this.state = event.state;
        break;
      case 'step':
        this.lastStep = event.metrics;
        this.#steps.push(event.metrics);
        this.version += 1;
        break;
      case 'epoch':
        this.lastEpoch = event.metrics;
        this.#epochs.push(event.metrics);
        this.version += 1;
        break;
      case 'finished':
        this.state = event.summary.state;
        break;
    }
  }

  #startRun(event: Extract<TrainingEvent, { type: 'run-started' }>): void {
    this.runId = event.runId;
    this.backend = event.backend;
    this.dataset = event.dataset;
    this.stepsPerEpoch = event.stepsPerEpoch;
    this.totalSteps = event.totalSteps;
    this.microBatchSize = event.microBatchSize;
    // A resumed run continues the checkpoint's curves; a fresh run starts empty ones.
    if (event.startGlobalStep === 0) this.replaceHistory({ steps: [], epochs: [] });
  }
}

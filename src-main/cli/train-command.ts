// `nin-lab train` and `nin-lab eval`: drive the training worker with a progress bar.
import path from 'node:path';
import { SingleBar } from 'cli-progress';
import { getPreset, type Preset, type PresetName } from '../../src-shared/presets';
import { tryInferShapes } from '../../src-shared/shapes';
import { hyperparametersSchema, type Hyperparameters } from '../../src-shared/spec';
import type {
  BackendName,
  DataChoice,
  DatasetSummary,
  RunSummary,
  StepMetrics,
  TrainingEvent,
} from '../../src-shared/training';
import type { BackendReport } from '../core/backend/backends';
import { checkpointsDir, newRunId, resolveDataDir, runsDir } from '../core/paths';
import { CheckpointError, readCheckpointMeta } from '../core/train/checkpoint-meta';
import { LabError, TrainingSupervisor } from '../core/train/supervisor';
import { UserError } from './user-error';

interface TrainOptions {
  preset?: PresetName;
  input?: number;
  epochs?: number;
  lr?: number;
  batchSize?: number;
  seed?: number;
  optimizer?: 'adam' | 'sgd';
  data: string;
  checkpoint?: string;
  resume?: string;
  backend?: BackendName;
  maxSteps?: number;
  maxTestImages?: number;
  dataDir?: string;
}

function dataChoice(data: string): DataChoice {
  return data === 'sample' || data === 'full' ? data : { dir: path.resolve(data) };
}

export function describeDataset(dataset: DatasetSummary): string {
  const set = dataset.kind === 'sample' ? 'bundled sample' : 'full Fashion-MNIST';
  const checksums =
    dataset.source === 'bundled'
      ? ''
      : dataset.official
        ? ', official checksums'
        : ', not the official checksums';
  return `${set} (${dataset.trainCount} training / ${dataset.testCount} test images, ${dataset.source}${checksums})`;
}

export function describeBackend(backend: BackendReport): string {
  const details = [
    backend.device,
    backend.simd ? 'SIMD' : '',
    `${backend.threads} thread${backend.threads === 1 ? '' : 's'}`,
  ].filter(Boolean);
  return `${backend.name} (${details.join(', ')})`;
}

function hyperparametersFrom(options: TrainOptions, defaults: Hyperparameters): Hyperparameters {
  const merged = {
    ...defaults,
    ...(options.epochs !== undefined && { epochs: options.epochs }),
    ...(options.lr !== undefined && { learningRate: options.lr }),
    ...(options.batchSize !== undefined && { batchSize: options.batchSize }),
    ...(options.seed !== undefined && { seed: options.seed }),
    ...(options.optimizer !== undefined && { optimizer: options.optimizer }),
  };
  const parsed = hyperparametersSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`Invalid ${issue.path.join('.')}: ${issue.message}.`);
  }
  return parsed.data;
}

const PLAIN_PROGRESS_INTERVAL_MS = 30_000;

/** Progress bar on a terminal; epoch lines and the summary are printed either way. */
class TrainingReporter {
  private readonly bar = new SingleBar({
    format:
      'epoch {epoch} [{bar}] {value}/{total} steps | loss {loss} | accuracy {accuracy} | {speed} img/s | ETA {eta_formatted}',
    hideCursor: true,
    etaBuffer: 50,
  });
  private startStep = 0;
  private lastPlainLine = 0;
  summary: RunSummary | null = null;
  error: string | null = null;

  handle(event: TrainingEvent): void {
    if (event.type === 'run-started') {
      this.startStep = event.startGlobalStep;
      this.log(
        `Training on ${describeBackend(event.backend)} with the ${describeDataset(event.dataset)}; ${event.stepsPerEpoch} steps per epoch.`,
      );
      for (const skipped of event.backend.skipped)
        this.log(`  skipped ${skipped.name}: ${skipped.reason}`);
      this.bar.start(event.totalSteps - event.startGlobalStep, 0, {
        epoch: event.startEpoch,
        loss: '-',
        accuracy: '-',
        speed: '-',
      });
    } else if (event.type === 'step') {
      const m = event.metrics;
      this.bar.update(m.globalStep - this.startStep, {
        epoch: m.epoch,
        loss: m.loss.toFixed(4),
        accuracy: m.runningAccuracy.toFixed(3),
        speed: m.imagesPerSecond.toFixed(1),
      });
      this.plainProgress(m);
    } else if (event.type === 'epoch') {
      const m = event.metrics;
      this.log(
        `epoch ${m.epoch}: train loss ${m.trainLoss.toFixed(4)}, train accuracy ${m.trainAccuracy.toFixed(4)}, test loss ${m.testLoss.toFixed(4)}, test accuracy ${m.testAccuracy.toFixed(4)}, ${m.imagesPerSecond.toFixed(1)} img/s, ${m.elapsedSeconds.toFixed(0)} s`,
      );
    } else if (event.type === 'log') {
      this.log(`${event.level === 'warn' ? 'warning: ' : ''}${event.message}`);
    } else if (event.type === 'error') {
      this.error = event.error.message;
    } else if (event.type === 'finished') {
      this.summary = event.summary;
    }
  }

  stop(): void {
    this.bar.stop();
  }

  /** Without a terminal the bar draws nothing, so print a progress line every 30 s instead. */
  private plainProgress(m: StepMetrics): void {
    if (process.stdout.isTTY || Date.now() - this.lastPlainLine < PLAIN_PROGRESS_INTERVAL_MS)
      return;
    this.lastPlainLine = Date.now();
    this.log(
      `epoch ${m.epoch} step ${m.step}/${m.stepsPerEpoch}: loss ${m.loss.toFixed(4)}, running accuracy ${m.runningAccuracy.toFixed(3)}, ${m.imagesPerSecond.toFixed(1)} img/s, ETA ${Math.round(m.etaSeconds)} s`,
    );
  }

  private log(line: string): void {
    // Print above the bar: clear its line first when it is drawn.
    if (process.stdout.isTTY) process.stdout.write('\r\x1b[K');
    process.stdout.write(`${line}\n`);
  }
}

function waitForEnd(supervisor: TrainingSupervisor): Promise<void> {
  return new Promise((resolve) => {
    const off = supervisor.onEvent((event) => {
      if (event.type === 'state' && ['finished', 'stopped', 'failed'].includes(event.state)) {
        off();
        resolve();
      }
    });
  });
}

/** Train, print a summary line; a checkpoint is saved at the end or on Ctrl-C when --checkpoint is set. */
export async function trainCommand(options: TrainOptions): Promise<void> {
  const dataDir = resolveDataDir(options.dataDir);
  const resumeDir = options.resume ? checkpointPath(options.resume, dataDir) : undefined;
  const base = await startingPoint(options.preset, resumeDir);
  const spec = { ...base.spec, inputSize: options.input ?? base.spec.inputSize };
  const shapes = tryInferShapes(spec);
  if (!shapes.ok) throw new UserError(shapes.message);
  const hyperparameters = hyperparametersFrom(options, base.hyperparameters);
  const runId = newRunId();

  const supervisor = new TrainingSupervisor();
  const reporter = new TrainingReporter();
  supervisor.onEvent((event) => reporter.handle(event));
  const ended = waitForEnd(supervisor);
  const interrupt = () => void supervisor.stop().catch(() => undefined);
  process.once('SIGINT', interrupt);
  try {
    await supervisor.start({
      runId,
      runDir: path.join(runsDir(dataDir), runId),
      dataDir,
      data: dataChoice(options.data),
      spec,
      hyperparameters,
      backend: options.backend,
      resumeFrom: resumeDir,
      maxSteps: options.maxSteps,
      maxTestImages: options.maxTestImages,
    });
    await ended;
    reporter.stop();
    if (reporter.error) throw new UserError(reporter.error);
    await saveCheckpointOption(
      supervisor,
      options.checkpoint && checkpointPath(options.checkpoint, dataDir),
    );
    printSummary(reporter.summary, path.join(runsDir(dataDir), runId));
  } catch (error) {
    reporter.stop();
    if (error instanceof LabError) throw new UserError(error.message);
    throw error;
  } finally {
    process.removeListener('SIGINT', interrupt);
    supervisor.dispose();
  }
}

async function saveCheckpointOption(
  supervisor: TrainingSupervisor,
  dir: string | undefined,
): Promise<void> {
  if (!dir) return;
  await supervisor.saveCheckpoint(dir);
  process.stdout.write(`Saved a checkpoint into ${dir}\n`);
}

/**
 * Resolve --checkpoint and --resume to a folder. A bare name is a checkpoint in the data folder,
 * where the app lists it. A value with a path separator or a leading dot is a folder path.
 */
export function checkpointPath(value: string, dataDir: string): string {
  const isPath = value.includes('/') || value.includes(path.sep) || value.startsWith('.');
  return isPath ? path.resolve(value) : path.join(checkpointsDir(dataDir), value);
}

/** Return the network and hyperparameters to start from: --preset, else the resumed checkpoint's, else nin-28-lite. */
async function startingPoint(
  preset: PresetName | undefined,
  resumeDir: string | undefined,
): Promise<Pick<Preset, 'spec' | 'hyperparameters'>> {
  if (preset || !resumeDir) return getPreset(preset ?? 'nin-28-lite');
  try {
    const meta = await readCheckpointMeta(resumeDir);
    return { spec: meta.spec, hyperparameters: meta.hyperparameters };
  } catch (error) {
    if (error instanceof CheckpointError) throw new UserError(error.message);
    throw error;
  }
}

function printSummary(summary: RunSummary | null, runDir: string): void {
  if (!summary) return;
  const accuracy = summary.testAccuracy === null ? 'n/a' : summary.testAccuracy.toFixed(4);
  const epochs = summary.epochsCompleted === 1 ? '1 epoch' : `${summary.epochsCompleted} epochs`;
  process.stdout.write(
    `${summary.state}: test accuracy ${accuracy} after ${epochs}, ${summary.globalStep} steps, ` +
      `${summary.imagesPerSecond.toFixed(1)} images/s, ${summary.elapsedSeconds.toFixed(0)} s, backend ${summary.backend}, ` +
      `data: ${describeDataset(summary.dataset)}; metrics in ${runDir}\n`,
  );
}

interface EvalOptions {
  checkpoint: string;
  data: string;
  backend?: BackendName;
  dataDir?: string;
}

export async function evalCommand(options: EvalOptions): Promise<void> {
  const supervisor = new TrainingSupervisor();
  try {
    if (options.backend) process.env.NIN_LAB_BACKEND = options.backend;
    const dataDir = resolveDataDir(options.dataDir);
    await supervisor.loadCheckpoint(checkpointPath(options.checkpoint, dataDir));
    const result = await supervisor.evaluate(dataDir, dataChoice(options.data));
    process.stdout.write(
      `test accuracy ${result.testAccuracy.toFixed(4)}, test loss ${result.testLoss.toFixed(4)} on ${result.count} images ` +
        `of the ${describeDataset(result.dataset)}, ${result.imagesPerSecond.toFixed(1)} images/s, backend ${result.backend}\n`,
    );
  } catch (error) {
    if (error instanceof LabError) throw new UserError(error.message);
    throw error;
  } finally {
    supervisor.dispose();
  }
}

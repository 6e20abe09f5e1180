// LabService: the whole lab behind one transport-free method, handle(channel, request).
// Electron IPC and the browser-mode WebSocket server pass raw input to it. It validates each
// request against the contract, runs it and returns `{ ok, result | error }`. It also pushes
// LabEvents to subscribers at a bounded rate.
import { rm } from 'node:fs/promises';
import {
  CHANNELS,
  MAX_UI_EVENTS_PER_SECOND,
  type AppInfo,
  type DataKind,
  type DownloadProgress,
  type LabEvent,
  type LabState,
  type Language,
  type ParsedRequestOf,
  type ResultOf,
} from '../../src-shared/contract';
import { isChannel, type Channel, type Reply } from '../../src-shared/lab-api';
import type { TrainingEvent } from '../../src-shared/training';
import { TrainingSupervisor } from '../core/train/supervisor';
import { APP_VERSION } from '../core/version';
import { dataFolderLayout, namedChild, type DataFolder } from './data-folder';
import { DatasetService, type DownloadSource } from './datasets';
import { invalidRequest, LabError, toErrorData } from './errors';
import { createLogger, type Logger } from './log';
import { listRuns, readRunMetrics } from './runs';
import { SettingsStore } from './settings';
import { LatestThrottle } from './throttle';
import { TrainingController, type CreateSupervisor } from './training';

export interface LabServiceOptions {
  /** The data folder (see data-folder.ts for its layout). */
  dataDir: string;
  mode: AppInfo['mode'];
  /** Folder with the bundled sample; defaults as DatasetCache does. */
  resourcesDir?: string;
  /** Defaults to a TrainingSupervisor that forks the Node worker. */
  createSupervisor?: CreateSupervisor;
  /** Opens a folder picker; set by the Electron app. Resolves null when the user cancels. */
  pickFolder?: () => Promise<string | null>;
  /** BCP 47 tag of the system locale; defaults to the locale of Intl. */
  systemLocale?: string;
  /** Load the training backend at start (in the worker), so the UI names it before a run. */
  loadBackendAtStart?: boolean;
  /** Tests point downloads at a local server. */
  downloadSource?: DownloadSource;
  logger?: Logger;
}

type Handlers = { [C in Channel]: (request: ParsedRequestOf<C>) => Promise<ResultOf<C>> };

export type LabEventListener = (event: LabEvent) => void;

export class LabService {
  readonly folder: DataFolder;
  private readonly settings: SettingsStore;
  private readonly datasets: DatasetService;
  private readonly training: TrainingController;
  private readonly listeners = new Set<LabEventListener>();
  private readonly stepThrottle: LatestThrottle<{ runId: string | null; event: TrainingEvent }>;
  private readonly progressThrottle: LatestThrottle<DownloadProgress>;
  private readonly log: Logger;
  private readonly handlers: Handlers;

  private constructor(private readonly options: LabServiceOptions) {
    this.folder = dataFolderLayout(options.dataDir);
    this.log = options.logger ?? createLogger('lab');
    this.settings = new SettingsStore(this.folder.settingsFile, this.log);
    this.datasets = new DatasetService(
      this.folder.root,
      options.resourcesDir,
      options.downloadSource,
    );
    this.training = new TrainingController({
      folder: this.folder,
      createSupervisor: options.createSupervisor ?? (() => new TrainingSupervisor()),
      onTrainingEvent: (runId, event) => this.forwardTrainingEvent(runId, event),
      onStatusChange: () => this.emitState(),
    });
    this.stepThrottle = new LatestThrottle(MAX_UI_EVENTS_PER_SECOND, (value) =>
      this.emit({ type: 'training', ...value }),
    );
    this.progressThrottle = new LatestThrottle(MAX_UI_EVENTS_PER_SECOND, (progress) =>
      this.emit({ type: 'download-progress', progress }),
    );
    this.handlers = this.createHandlers();
  }

  /** Creates the service and reads its settings. */
  static async create(options: LabServiceOptions): Promise<LabService> {
    const service = new LabService(options);
    await service.settings.load();
    service.log.info('lab started', { dataDir: service.folder.root, mode: options.mode });
    if (options.loadBackendAtStart) void service.loadBackend();
    return service;
  }

  /**
   * Validates and runs one request. Never throws: an unknown channel, a request that fails its
   * schema (wrong types, unknown keys, path-like names) or a failure in the lab comes back as
   * `{ ok: false, error }`, and an invalid request changes nothing.
   */
  async handle(channel: unknown, rawRequest: unknown): Promise<Reply<unknown>> {
    if (!isChannel(channel)) {
      const shownName =
        typeof channel === 'string' ? JSON.stringify(channel.slice(0, 80)) : typeof channel;
      return {
        ok: false,
        error: {
          code: 'UNKNOWN_CHANNEL',
          message: `Unknown request channel ${shownName}. Use one of the channels of the lab contract.`,
        },
      };
    }

    const parsed = CHANNELS[channel].request.safeParse(rawRequest ?? {});
    if (!parsed.success) {
      const error = invalidRequest(channel, parsed.error);
      this.log.warn('request rejected', { channel, error: error.message });
      return { ok: false, error };
    }

    try {
      const handler = this.handlers[channel] as (request: unknown) => Promise<unknown>;
      return { ok: true, result: await handler(parsed.data) };
    } catch (error) {
      const data = toErrorData(error, channel);
      this.log.warn('request failed', { channel, code: data.code, error: data.message });
      return { ok: false, error: data };
    }
  }

  /** Calls `listener` with every event; returns the function that unsubscribes. */
  subscribe(listener: LabEventListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** The state a newly connected renderer starts from. */
  get state(): LabState {
    return { training: this.training.current, downloading: this.datasets.downloading };
  }

  /** Stops the worker and any download; pending throttled events are dropped. */
  async dispose(): Promise<void> {
    this.datasets.cancelDownload();
    this.stepThrottle.cancel();
    this.progressThrottle.cancel();
    this.training.dispose();
    this.listeners.clear();
    this.log.info('lab stopped', { dataDir: this.folder.root });
  }

  private createHandlers(): Handlers {
    return {
      'app.info': async () => this.appInfo(),
      'settings.get': async () => this.settings.value,
      'settings.update': (request) => this.updateSettings(request),
      'dataset.status': () => this.datasets.status(this.settings.value.data),
      'dataset.download': () => this.download(),
      'dataset.cancelDownload': async () => ({ cancelled: this.datasets.cancelDownload() }),
      'dataset.import': (request) => this.importDataset(request.dir),
      'dataset.examples': async (request) =>
        this.datasets.examples(request, request.data ?? (await this.dataInUse())),
      'training.status': async () => this.training.current,
      'training.start': (request) => this.startTraining(request),
      'training.pause': () => this.training.pause(),
      'training.resume': () => this.training.resume(),
      'training.stop': () => this.training.stop(),
      'training.predict': (request) => this.predict(request.testIndices),
      'runs.list': () => listRuns(this.folder.runs),
      'runs.metrics': (request) => readRunMetrics(this.folder.runs, request.runId),
      'checkpoints.list': () => this.listCheckpoints(),
      'checkpoints.save': (request) =>
        this.saveCheckpoint(request.name, request.overwrite ?? false),
      'checkpoints.load': (request) => this.training.loadCheckpoint(request.name),
      'checkpoints.delete': (request) => this.deleteCheckpoint(request.name),
    };
  }

  private async loadBackend(): Promise<void> {
    const pin = this.settings.value.backend;
    const failure = await this.training.loadBackend(pin === 'auto' ? undefined : pin);
    if (failure) this.log.warn('backend failed to load at start', { pin, error: failure });
    else this.log.info('backend loaded', { backend: this.training.backend?.name ?? 'unknown' });
  }

  private appInfo(): AppInfo {
    const systemLocale =
      this.options.systemLocale ?? Intl.DateTimeFormat().resolvedOptions().locale;
    return {
      version: APP_VERSION,
      mode: this.options.mode,
      backend: this.training.backend,
      dataDir: this.folder.root,
      systemLocale,
      systemLanguage: languageOf(systemLocale),
      platform: process.platform,
      canPickFolder: this.options.pickFolder !== undefined,
    };
  }

  private async updateSettings(
    patch: ParsedRequestOf<'settings.update'>,
  ): Promise<ResultOf<'settings.update'>> {
    const before = this.settings.value;
    const settings = await this.settings.update(patch);
    this.emit({ type: 'settings-changed', settings });
    if (before.data !== settings.data) {
      this.emit({ type: 'dataset-changed', status: await this.datasets.status(settings.data) });
    }
    return settings;
  }

  /** Data new runs use: the setting, or the sample while the full set is missing. */
  private async dataInUse(): Promise<DataKind> {
    return (await this.datasets.status(this.settings.value.data)).inUse;
  }

  private async download(): Promise<ResultOf<'dataset.download'>> {
    const started = this.datasets.downloadFull((progress) => this.progressThrottle.push(progress));
    this.emitState();
    this.log.info('download started', { dataDir: this.folder.root });
    try {
      const checksums = await started;
      this.log.info('download finished', { files: checksums.length });
      const status = await this.datasets.status(this.settings.value.data);
      this.emit({ type: 'dataset-changed', status });
      return { status, checksums };
    } finally {
      this.progressThrottle.flush();
      this.emitState();
    }
  }

  private async importDataset(dir: string | undefined): Promise<ResultOf<'dataset.import'>> {
    const chosen = dir ?? (await this.pickFolder());
    if (chosen !== null) {
      await this.datasets.importDir(chosen);
      this.log.info('dataset imported', { dir: chosen });
    }
    const status = await this.datasets.status(this.settings.value.data);
    if (chosen !== null) {
      this.emit({ type: 'dataset-changed', status });
    }
    return { imported: chosen !== null, status };
  }

  private async pickFolder(): Promise<string | null> {
    if (this.options.pickFolder === undefined) {
      throw new LabError(
        'INVALID_REQUEST',
        'Invalid dataset.import request: name the folder to import in "dir".',
        {
          path: 'dir',
        },
      );
    }
    return this.options.pickFolder();
  }

  private async startTraining(
    request: ParsedRequestOf<'training.start'>,
  ): Promise<ResultOf<'training.start'>> {
    const settings = this.settings.value;
    const data = request.data ?? settings.data;
    if (data === 'full' && !(await this.datasets.status(data)).full.available) {
      throw new LabError(
        'NOT_CACHED',
        'The full Fashion-MNIST set is not downloaded yet. Download or import it, or train on the sample.',
      );
    }
    const pin = request.backend ?? settings.backend;
    const status = await this.training.start(request, data, pin === 'auto' ? undefined : pin);
    this.log.info('run started', { runId: status.runId, data, resumeFrom: request.resumeFrom });
    return status;
  }

  private async predict(testIndices: number[]): Promise<ResultOf<'training.predict'>> {
    const data = this.training.predictionData;
    if (data === null) {
      throw new LabError(
        'NO_MODEL',
        'There is no model to predict with: train one or load a checkpoint first.',
      );
    }
    const labels = await this.datasets.testLabels(data, testIndices);
    const probabilities = await this.training.predict(testIndices);
    const predictions = testIndices.map((testIndex, i) => ({
      testIndex,
      label: labels[i],
      predicted: argmax(probabilities[i]),
      probabilities: probabilities[i],
    }));
    return { predictions };
  }

  private async listCheckpoints(): Promise<ResultOf<'checkpoints.list'>> {
    // NOTE: checkpoint.ts loads TensorFlow.js core when first imported, so it is imported lazily.
    const { listCheckpoints } = await import('../core/train/checkpoint-meta');
    const listings = await listCheckpoints(this.folder.checkpoints);
    return listings.map(({ name, savedAt, epoch, globalStep, testAccuracy }) => ({
      name,
      savedAt,
      epoch,
      globalStep,
      testAccuracy,
    }));
  }

  private async saveCheckpoint(
    name: string,
    overwrite: boolean,
  ): Promise<ResultOf<'checkpoints.save'>> {
    const dir = namedChild(this.folder.checkpoints, name);
    const exists = await this.training.existingCheckpoint(name).then(
      () => true,
      () => false,
    );
    if (exists && !overwrite) {
      throw new LabError(
        'ALREADY_EXISTS',
        `A checkpoint named "${name}" exists. Choose another name or overwrite it.`,
        { name },
      );
    }

    await this.training.saveCheckpoint(dir);
    this.log.info('checkpoint saved', { name });
    const checkpoints = await this.listCheckpoints();
    this.emit({ type: 'checkpoints-changed', checkpoints });
    const saved = checkpoints.find((listing) => listing.name === name);
    if (saved === undefined) {
      throw new LabError(
        'INTERNAL',
        `Checkpoint "${name}" was written but cannot be read back from ${dir}.`,
        { name },
      );
    }
    return saved;
  }

  private async deleteCheckpoint(name: string): Promise<ResultOf<'checkpoints.delete'>> {
    const dir = await this.training.existingCheckpoint(name);
    await rm(dir, { recursive: true, force: true });
    this.log.info('checkpoint deleted', { name });
    this.emit({ type: 'checkpoints-changed', checkpoints: await this.listCheckpoints() });
    return { name };
  }

  private forwardTrainingEvent(runId: string | null, event: TrainingEvent): void {
    if (event.type === 'step') {
      this.stepThrottle.push({ runId, event });
      return;
    }
    // Later events must not overtake the step kept for later.
    this.stepThrottle.flush();
    if (event.type === 'error') {
      this.log.warn('training error', {
        runId,
        code: event.error.code,
        error: event.error.message,
      });
    }
    this.emit({ type: 'training', runId, event });
  }

  private emitState(): void {
    this.emit({ type: 'state', state: this.state });
  }

  private emit(event: LabEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.log.error('event listener failed', { event: event.type, error: String(error) });
      }
    }
  }
}

/** Returns the UI language for a locale: Chinese for zh-*, else English. */
export function languageOf(locale: string): Language {
  return locale.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i += 1) {
    if (values[i] > values[best]) {
      best = i;
    }
  }
  return best;
}

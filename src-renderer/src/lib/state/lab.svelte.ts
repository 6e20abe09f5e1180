// The renderer's whole state, built over one LabApi: sub-states per panel, the startup
// sequence, the event handler, and the actions that touch several panels at once.
import type {
  AppInfo,
  DataKind,
  LabEvent,
  ResultOf,
  Settings,
} from '../../../../src-shared/contract';
import { DEFAULT_SETTINGS } from '../../../../src-shared/contract';
import type { Channel, InvokeArgs, LabApi } from '../../../../src-shared/lab-api';
import type { TrainingEvent } from '../../../../src-shared/training';
import { I18n, languageForLocale, type Language } from '../i18n/i18n.svelte';
import { CheckpointsState } from './checkpoints.svelte';
import { DataState } from './data.svelte';
import { HyperparametersState } from './hyperparameters.svelte';
import { MessagesState } from './messages.svelte';
import { ModelState, type ShapeLayout } from './model.svelte';
import { RunsState } from './runs.svelte';
import { TrainingState } from './training.svelte';
import { TrainingActions } from './training-actions.svelte';

export class Lab {
  readonly api: LabApi;
  readonly i18n = new I18n();
  readonly messages = new MessagesState();
  readonly model = new ModelState();
  readonly hyperparameters = new HyperparametersState();
  readonly training = new TrainingState();
  readonly checkpoints = new CheckpointsState();
  readonly data: DataState;
  readonly runs: RunsState;
  readonly actions: TrainingActions;

  info = $state.raw<AppInfo | null>(null);
  settings = $state.raw<Settings>(DEFAULT_SETTINGS);
  /** 'connecting' until init() has received the first replies; tests wait on 'ready'. */
  phase = $state<'connecting' | 'ready' | 'failed'>('connecting');

  constructor(api: LabApi) {
    this.api = api;
    this.data = new DataState(this.request, this.messages);
    this.runs = new RunsState(this.request);
    this.actions = new TrainingActions(this);
  }

  /** Send a request; on failure show the error and return null. */
  request = async <C extends Channel>(
    channel: C,
    ...args: InvokeArgs<C>
  ): Promise<ResultOf<C> | null> => {
    const reply = await this.api.invoke(channel, ...args);
    if (reply.ok) return reply.result;
    this.messages.error(reply.error);
    return null;
  };

  /** Load settings, the current run and the lists; call once after subscribing to events. */
  async init(): Promise<void> {
    const [info, settings] = await Promise.all([
      this.request('app.info'),
      this.request('settings.get'),
    ]);
    if (!info || !settings) {
      this.phase = 'failed';
      return;
    }
    this.info = info;
    this.applySettings(settings);
    await Promise.all([
      this.actions.restoreRun(),
      this.data.refresh(),
      this.runs.refresh(),
      this.refreshCheckpoints(),
    ]);
    this.phase = 'ready';
  }

  applySettings(settings: Settings): void {
    this.settings = settings;
    const system = languageForLocale(globalThis.navigator?.language ?? this.info?.systemLocale);
    this.i18n.setLanguage(settings.language === 'system' ? system : settings.language);
    this.model.layout = settings.shapeLayout === 'NHWC' ? 'nhwc' : 'nchw';
  }

  async setLanguage(language: Language): Promise<void> {
    this.i18n.setLanguage(language);
    const settings = await this.request('settings.update', { language });
    if (settings) this.settings = settings;
  }

  async setLayout(layout: ShapeLayout): Promise<void> {
    this.model.layout = layout;
    const settings = await this.request('settings.update', {
      shapeLayout: layout === 'nhwc' ? 'NHWC' : 'NCHW',
    });
    if (settings) this.settings = settings;
  }

  async useData(kind: DataKind): Promise<void> {
    const settings = await this.request('settings.update', { data: kind });
    if (settings) this.settings = settings;
    await this.data.refresh();
  }

  async refreshCheckpoints(): Promise<void> {
    const list = await this.request('checkpoints.list');
    if (list) this.checkpoints.list = list;
  }

  handleEvent = (event: LabEvent): void => {
    switch (event.type) {
      case 'training':
        this.#handleTraining(event.event);
        break;
      case 'download-progress':
        this.data.progress = event.progress;
        break;
      case 'dataset-changed':
        this.data.setStatus(event.status);
        break;
      case 'state':
        this.training.applyStatus(event.state.training);
        break;
      case 'checkpoints-changed':
        this.checkpoints.list = event.checkpoints;
        break;
      case 'settings-changed':
        this.applySettings(event.settings);
        break;
    }
  };

  #handleTraining(event: TrainingEvent): void {
    this.training.applyEvent(event);
    if (event.type === 'log') this.#showLog(event);
    if (event.type === 'error') this.messages.error(event.error);
    if (event.type === 'finished') void this.actions.afterRun(event.summary.runId);
  }

  #showLog(event: Extract<TrainingEvent, { type: 'log' }>): void {
    if (event.code === 'micro-batches') return; // The status bar shows the split from run-started.
    if (event.code === 'not-learning') {
      this.messages.push(
        'warning',
        'train.warning.notLearning',
        {},
        { detail: event.message, code: event.code },
      );
      return;
    }
    const level = event.level === 'warn' ? 'warning' : 'info';
    const key = event.level === 'warn' ? 'log.warn' : 'log.info';
    this.messages.push(level, key, {}, { detail: event.message, code: event.code });
  }
}

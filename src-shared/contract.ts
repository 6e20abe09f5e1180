// The lab contract: every request the renderer (or a browser-mode socket) may send, with the
// zod schema the main side validates it against, the type of its result, and the events the
// main side pushes. Renderer input is untrusted: LabService parses each request with these
// schemas (strict objects, so unknown keys are rejected) before it acts.
import { z } from 'zod';
import type { Channel } from './lab-api';
import {
  hyperparametersSchema,
  modelSpecSchema,
  type Hyperparameters,
  type ModelSpec,
} from './spec';
import {
  backendNameSchema,
  type BackendName,
  type BackendReportData,
  type DatasetSummary,
  type EpochMetrics,
  type RunState,
  type RunSummary,
  type StepMetrics,
  type TrainingEvent,
} from './training';

// ---------------------------------------------------------------------------------------------
// Names

const WINDOWS_DEVICE_NAME = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

/**
 * A checkpoint or run name: 1-64 ASCII letters, digits, '.', '_' or '-', starting with a letter
 * or digit and not ending with '.'. Names never contain a path separator or '..' as a whole,
 * so `<dataDir>/checkpoints/<name>` always stays inside the checkpoints folder.
 */
export const NAME_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9_-])?$/;

export const nameSchema = z
  .string()
  .regex(NAME_PATTERN, {
    message:
      "Use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit and not ending with '.'.",
  })
  .refine((name) => !WINDOWS_DEVICE_NAME.test(name), {
    message: 'This name is reserved by Windows (CON, NUL, COM1, …); choose another.',
  });

// ---------------------------------------------------------------------------------------------
// Errors

/**
 * Error codes the main side returns; the renderer localises by code and falls back to the
 * English message. Dataset errors keep the dataset layer's own codes (CHECKSUM_MISMATCH, …).
 */
export const LAB_ERROR_CODES = [
  /** The request failed its schema; `details.path` names the field. */
  'INVALID_REQUEST',
  /** The channel is not part of the contract. */
  'UNKNOWN_CHANNEL',
  /** A run is already starting, running, paused or stopping. */
  'RUN_ACTIVE',
  /** Pause, resume, stop or save needs a run (or a loaded checkpoint) and there is none. */
  'NO_RUN',
  /** The run is in a state that does not allow the request (for example resume while running). */
  'INVALID_STATE',
  /** Predict or save needs a model: train one or load a checkpoint first. */
  'NO_MODEL',
  /** The model spec is impossible (a layer's output would be empty); `details.layerName` names the layer. */
  'INVALID_SPEC',
  /** The checkpoint's files are damaged or from another format version. */
  'CHECKPOINT_INVALID',
  /** The named checkpoint or run does not exist. */
  'NOT_FOUND',
  /** A checkpoint with this name exists and `overwrite` was not set. */
  'ALREADY_EXISTS',
  /** The full dataset is requested but not downloaded or imported yet. */
  'NOT_CACHED',
  /** A download or import is already running. */
  'BUSY',
  /** The training worker failed or exited. */
  'WORKER_FAILED',
  /** Browser mode: the token is missing or wrong. */
  'UNAUTHORIZED',
  /** The connection to the main side failed (browser mode) or the bridge is missing. */
  'TRANSPORT',
  /** An unexpected failure; the message names the operation that failed. */
  'INTERNAL',
] as const;
export type LabErrorCode = (typeof LAB_ERROR_CODES)[number];

export const labErrorSchema = z.object({
  /** One of LAB_ERROR_CODES or a dataset or training error code. */
  code: z.string(),
  /** An English sentence that names the value and the next step. */
  message: z.string(),
  /** Values a localised message can use, such as `path`, `name` or `state`. */
  details: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
});
export type LabErrorData = z.infer<typeof labErrorSchema>;

// ---------------------------------------------------------------------------------------------
// Shared value types

export type DataKind = 'sample' | 'full';
const dataKindSchema = z.enum(['sample', 'full']);

export const LANGUAGES = ['en', 'zh'] as const;
export type Language = (typeof LANGUAGES)[number];

export interface Settings {
  /** UI language; 'system' follows the system locale (Chinese for zh-*, else English). */
  language: Language | 'system';
  /** Training backend; 'auto' takes the fastest that loads. */
  backend: BackendName | 'auto';
  /** Data new runs train on unless a request names one. */
  data: DataKind;
  /** Layout of output shapes in the layer table. */
  shapeLayout: 'NCHW' | 'NHWC';
}

export const DEFAULT_SETTINGS: Settings = {
  language: 'system',
  backend: 'auto',
  data: 'sample',
  shapeLayout: 'NCHW',
};

export const settingsSchema = z.strictObject({
  language: z.enum(['system', ...LANGUAGES]),
  backend: z.union([z.literal('auto'), backendNameSchema]),
  data: dataKindSchema,
  shapeLayout: z.enum(['NCHW', 'NHWC']),
});

export interface AppInfo {
  version: string;
  mode: 'electron' | 'browser';
  /** Backend of the latest worker report; null before any worker has started. */
  backend: BackendReportData | null;
  dataDir: string;
  /** BCP 47 tag of the system locale, such as 'zh-CN' or 'en-US'. */
  systemLocale: string;
  /** Language that 'system' resolves to. */
  systemLanguage: Language;
  platform: string;
  /** True when dataset.import without `dir` opens a folder picker (the Electron app). */
  canPickFolder: boolean;
}

/** One dataset the lab can train on. */
export interface DatasetEntry {
  available: boolean;
  source: 'bundled' | 'downloaded' | 'imported' | null;
  /** True when the files match the published Fashion-MNIST checksums. */
  official: boolean;
  trainCount: number;
  testCount: number;
  /** Reason a dataset that should be present is unusable (damaged files), else null. */
  problem: string | null;
}

export interface DatasetStatus {
  sample: DatasetEntry;
  full: DatasetEntry;
  /** The data new runs use: settings.data, or 'sample' while the full set is missing. */
  inUse: DataKind;
  downloading: boolean;
}

/** Progress of a download, sent a few times per second at most. */
export interface DownloadProgress {
  /** File being fetched, such as 'train-images-idx3-ubyte.gz'. */
  file: string;
  fileIndex: number;
  fileCount: number;
  receivedBytes: number;
  /** Bytes of this file, null when the server sent no length. */
  totalBytes: number | null;
  /** Fraction of the whole download in [0, 1], null when unknown. */
  fraction: number | null;
}

export interface FileChecksum {
  file: string;
  md5: string;
  /** True when the MD5 equals the published one. */
  ok: boolean;
}

export interface ImportResult {
  /** False when the user closed the folder picker without choosing a folder. */
  imported: boolean;
  status: DatasetStatus;
}

export interface DownloadResult {
  status: DatasetStatus;
  checksums: FileChecksum[];
}

/** One example image: 28×28 grey bytes (0 = black), row-major, base64-encoded. */
export interface ExampleImage {
  index: number;
  label: number;
  pixelsBase64: string;
}

export interface ExamplesResult {
  data: DataKind;
  split: 'train' | 'test';
  width: 28;
  height: 28;
  examples: ExampleImage[];
}

/** State of the current (or last) run, enough for a reloaded page to rebuild its view. */
export interface TrainingStatus {
  state: RunState;
  runId: string | null;
  data: DataKind | null;
  spec: ModelSpec | null;
  hyperparameters: Hyperparameters | null;
  /** Checkpoint the run resumed from, or the checkpoint last loaded. */
  checkpoint: string | null;
  backend: BackendReportData | null;
  dataset: DatasetSummary | null;
  stepsPerEpoch: number | null;
  totalSteps: number | null;
  /** Latest step event; the worker throttles them, so it may lag the run's last step. */
  lastStep: StepMetrics | null;
  lastEpoch: EpochMetrics | null;
  /** Summary of the run once it finished or stopped (final step count, test accuracy). */
  summary: RunSummary | null;
  /** Cause of the failure when state is 'failed', else null. */
  error: LabErrorData | null;
}

export interface LabState {
  training: TrainingStatus;
  downloading: boolean;
}

export interface MetricsHistory {
  /** Every step of the run, in order (not throttled). */
  steps: StepMetrics[];
  /** Every completed epoch, in order. */
  epochs: EpochMetrics[];
}

export interface RunListing {
  runId: string;
  /** ISO 8601 time the run started. */
  startedAt: string;
  data: DataKind | null;
  spec: ModelSpec | null;
  hyperparameters: Hyperparameters | null;
  epochsCompleted: number;
  globalStep: number;
  testAccuracy: number | null;
}

export interface RunMetrics extends MetricsHistory {
  run: RunListing;
}

export interface CheckpointListing {
  name: string;
  /** ISO 8601 time the checkpoint was written. */
  savedAt: string;
  epoch: number;
  globalStep: number;
  testAccuracy: number | null;
}

export interface LoadedCheckpoint {
  name: string;
  spec: ModelSpec;
  hyperparameters: Hyperparameters;
  epoch: number;
  globalStep: number;
  history: MetricsHistory;
  dataset: DatasetSummary | null;
  backend: BackendName | null;
}

export interface Prediction {
  testIndex: number;
  /** True label from the test split. */
  label: number;
  /** Argmax of `probabilities`. */
  predicted: number;
  /** Class probabilities, indexed by label, summing to 1. */
  probabilities: number[];
}

// ---------------------------------------------------------------------------------------------
// Requests

const emptyRequest = z.strictObject({});

/** Largest number of test images one predict request may name (the worker's own limit). */
export const MAX_PREDICT_IMAGES = 256;
/** Largest number of example images one request may return. */
export const MAX_EXAMPLES = 100;

const trainingStartRequest = z.strictObject({
  spec: modelSpecSchema,
  hyperparameters: hyperparametersSchema,
  /** Defaults to settings.data. Arbitrary folders are not accepted here; import them first. */
  data: dataKindSchema.optional(),
  /** Defaults to settings.backend. */
  backend: z.union([z.literal('auto'), backendNameSchema]).optional(),
  /** Continue from this checkpoint's weights, optimiser state and counters. */
  resumeFrom: nameSchema.optional(),
  /** Stop after this many optimiser steps in total (short demo runs, tests). */
  maxSteps: z.number().int().min(1).max(10_000_000).optional(),
  /** Evaluate on at most this many test images per epoch; all when absent. */
  maxTestImages: z.number().int().min(1).max(10_000).optional(),
});

/**
 * A request definition: its schema, plus the result type carried as a phantom field so the
 * map names each channel once with both types.
 */
export interface ChannelDefinition<S extends z.ZodType, R> {
  request: S;
  readonly resultType?: R;
}

function channel<R>() {
  return <S extends z.ZodType>(request: S): ChannelDefinition<S, R> => ({ request });
}

export const CHANNELS = {
  'app.info': channel<AppInfo>()(emptyRequest),
  'settings.get': channel<Settings>()(emptyRequest),
  'settings.update': channel<Settings>()(settingsSchema.partial()),
  'dataset.status': channel<DatasetStatus>()(emptyRequest),
  /** Resolves when the download finished; progress arrives as 'download-progress' events. */
  'dataset.download': channel<DownloadResult>()(emptyRequest),
  'dataset.cancelDownload': channel<{ cancelled: boolean }>()(emptyRequest),
  /**
   * Imports a folder of the four Fashion-MNIST IDX files (gzipped or not) as the full set.
   * Without `dir`, the Electron app opens a folder picker (see AppInfo.canPickFolder).
   */
  'dataset.import': channel<ImportResult>()(
    z.strictObject({ dir: z.string().min(1).max(4096).optional() }),
  ),
  'dataset.examples': channel<ExamplesResult>()(
    z.strictObject({
      split: z.enum(['train', 'test']),
      count: z.number().int().min(1).max(MAX_EXAMPLES),
      /** First image index; 0 when absent. */
      start: z.number().int().min(0).optional(),
      /** Defaults to the data in use. */
      data: dataKindSchema.optional(),
    }),
  ),
  'training.status': channel<TrainingStatus>()(emptyRequest),
  /** Resolves once the worker started the run. */
  'training.start': channel<TrainingStatus>()(trainingStartRequest),
  'training.pause': channel<TrainingStatus>()(emptyRequest),
  'training.resume': channel<TrainingStatus>()(emptyRequest),
  'training.stop': channel<TrainingStatus>()(emptyRequest),
  /** Predicts with the current run's model, or the model of the checkpoint last loaded. */
  'training.predict': channel<{ predictions: Prediction[] }>()(
    z.strictObject({
      testIndices: z.array(z.number().int().min(0)).min(1).max(MAX_PREDICT_IMAGES),
    }),
  ),
  'runs.list': channel<RunListing[]>()(emptyRequest),
  'runs.metrics': channel<RunMetrics>()(z.strictObject({ runId: nameSchema })),
  'checkpoints.list': channel<CheckpointListing[]>()(emptyRequest),
  /** Saves the current run's model; fails with ALREADY_EXISTS unless overwrite is true. */
  'checkpoints.save': channel<CheckpointListing>()(
    z.strictObject({ name: nameSchema, overwrite: z.boolean().optional() }),
  ),
  /** Loads the model for predict and returns what the renderer restores (spec, curves, …). */
  'checkpoints.load': channel<LoadedCheckpoint>()(z.strictObject({ name: nameSchema })),
  'checkpoints.delete': channel<{ name: string }>()(z.strictObject({ name: nameSchema })),
} satisfies Record<Channel, ChannelDefinition<z.ZodType, unknown>>;

type Channels = typeof CHANNELS;

/** Request type a caller passes for channel C (fields with defaults stay optional). */
export type RequestOf<C extends Channel> = z.input<Channels[C]['request']>;
/** Request type of channel C after validation. */
export type ParsedRequestOf<C extends Channel> = z.output<Channels[C]['request']>;
/** Result type of channel C. */
export type ResultOf<C extends Channel> =
  Channels[C] extends ChannelDefinition<z.ZodType, infer R> ? R : never;

// ---------------------------------------------------------------------------------------------
// Events pushed to the renderer

export type LabEvent =
  /** A training event of the current run (step events are throttled to a few per second). */
  | { type: 'training'; runId: string | null; event: TrainingEvent }
  | { type: 'download-progress'; progress: DownloadProgress }
  /** The set of available datasets or the data in use changed (download, import, settings). */
  | { type: 'dataset-changed'; status: DatasetStatus }
  /** The lab's state changed: run state, download running or not. */
  | { type: 'state'; state: LabState }
  | { type: 'checkpoints-changed'; checkpoints: CheckpointListing[] }
  | { type: 'settings-changed'; settings: Settings };

/** Maximum 'training' step and 'download-progress' events per second sent to a renderer. */
export const MAX_UI_EVENTS_PER_SECOND = 5;

// Messages between a training host (CLI, Electron main, browser-mode server) and the
// training worker process, and the training events the UI shows. Types and zod schemas.
import { z } from 'zod';
import { hyperparametersSchema, modelSpecSchema } from './spec';

export const BACKEND_NAMES = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export const backendNameSchema = z.enum(BACKEND_NAMES);
export type BackendName = z.infer<typeof backendNameSchema>;

/** Data a run trains on: the bundled sample, the cached full set, or a folder of IDX files. */
export const dataChoiceSchema = z.union([
  z.literal('sample'),
  z.literal('full'),
  z.object({ dir: z.string().min(1) }),
]);
export type DataChoice = z.infer<typeof dataChoiceSchema>;

export const runConfigSchema = z.object({
  runId: z.string().regex(/^[A-Za-z0-9._-]{1,80}$/),
  /** Folder for the run's config.json and metrics.jsonl. */
  runDir: z.string().min(1),
  /** Folder of the downloaded or imported dataset cache. */
  dataDir: z.string().min(1),
  data: dataChoiceSchema,
  spec: modelSpecSchema,
  hyperparameters: hyperparametersSchema,
  backend: backendNameSchema.optional(),
  /** Checkpoint folder to restore weights, optimiser state and counters from. */
  resumeFrom: z.string().min(1).optional(),
  /** Stop after this many optimiser steps in total (tests, benchmarks). */
  maxSteps: z.number().int().min(1).optional(),
  /** Evaluate on at most this many test images per epoch; all when absent. */
  maxTestImages: z.number().int().min(1).optional(),
  /** Most step events per second sent to the host; every step still goes to metrics.jsonl. */
  eventsPerSecond: z.number().min(0.1).max(1000).default(4),
});
export type RunConfig = z.input<typeof runConfigSchema>;
export type ParsedRunConfig = z.output<typeof runConfigSchema>;

export const backendReportSchema = z.object({
  name: backendNameSchema,
  tfjsBackend: z.string(),
  device: z.string(),
  simd: z.boolean().optional(),
  threads: z.number(),
  /** Reason the wasm backend runs on one thread after its threaded start failed. */
  threadsFallback: z.string().optional(),
  skipped: z.array(z.object({ name: backendNameSchema, reason: z.string() })),
  pinnedBy: z.enum(['setting', 'env']).optional(),
});
export type BackendReportData = z.infer<typeof backendReportSchema>;

export const datasetSummarySchema = z.object({
  kind: z.enum(['sample', 'full']),
  source: z.enum(['bundled', 'downloaded', 'imported']),
  official: z.boolean(),
  trainCount: z.number(),
  testCount: z.number(),
});
export type DatasetSummary = z.infer<typeof datasetSummarySchema>;

export const runStateSchema = z.enum([
  'idle',
  'starting',
  'running',
  'paused',
  'stopping',
  'stopped',
  'finished',
  'failed',
]);
export type RunState = z.infer<typeof runStateSchema>;

export const stepMetricsSchema = z.object({
  epoch: z.number(),
  /** Step within the epoch, from 1. */
  step: z.number(),
  stepsPerEpoch: z.number(),
  /** Steps since the run (or the run it resumed) began, from 1. */
  globalStep: z.number(),
  loss: z.number(),
  batchAccuracy: z.number(),
  /** Accuracy over the epoch's steps so far. */
  runningAccuracy: z.number(),
  imagesPerSecond: z.number(),
  /** Estimated seconds left in the run. */
  etaSeconds: z.number(),
});
export type StepMetrics = z.infer<typeof stepMetricsSchema>;

export const epochMetricsSchema = z.object({
  epoch: z.number(),
  trainLoss: z.number(),
  trainAccuracy: z.number(),
  testLoss: z.number(),
  testAccuracy: z.number(),
  elapsedSeconds: z.number(),
  etaSeconds: z.number(),
  imagesPerSecond: z.number(),
});
export type EpochMetrics = z.infer<typeof epochMetricsSchema>;

export const runSummarySchema = z.object({
  runId: z.string(),
  state: runStateSchema,
  /** Epochs trained, a fraction when the run stopped inside an epoch. */
  epochsCompleted: z.number(),
  globalStep: z.number(),
  testAccuracy: z.number().nullable(),
  imagesPerSecond: z.number(),
  elapsedSeconds: z.number(),
  backend: backendNameSchema,
  dataset: datasetSummarySchema,
});
export type RunSummary = z.infer<typeof runSummarySchema>;

/** An error as data: a stable code and a sentence that names the value and the next step. */
export const labErrorSchema = z.object({ code: z.string(), message: z.string() });
export type LabErrorData = z.infer<typeof labErrorSchema>;

/** Events from the worker; the host forwards them to the UI and the CLI. */
export const trainingEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), backend: backendReportSchema }),
  z.object({
    type: z.literal('run-started'),
    runId: z.string(),
    backend: backendReportSchema,
    dataset: datasetSummarySchema,
    stepsPerEpoch: z.number(),
    totalSteps: z.number(),
    /** Images per forward/backward pass when a batch is split to fit memory; null when not split. */
    microBatchSize: z.number().nullable(),
    startEpoch: z.number(),
    startGlobalStep: z.number(),
  }),
  z.object({ type: z.literal('state'), state: runStateSchema }),
  z.object({ type: z.literal('step'), metrics: stepMetricsSchema }),
  z.object({ type: z.literal('epoch'), metrics: epochMetricsSchema }),
  z.object({
    type: z.literal('log'),
    level: z.enum(['info', 'warn']),
    code: z.string(),
    message: z.string(),
  }),
  z.object({ type: z.literal('error'), error: labErrorSchema }),
  z.object({ type: z.literal('finished'), summary: runSummarySchema }),
]);
export type TrainingEvent = z.infer<typeof trainingEventSchema>;

/** Requests from the host to the worker. Replies carry the request's id. */
export const workerRequestSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('start'), id: z.number(), config: runConfigSchema }),
  z.object({ type: z.literal('pause'), id: z.number() }),
  z.object({ type: z.literal('resume'), id: z.number() }),
  z.object({ type: z.literal('stop'), id: z.number() }),
  z.object({ type: z.literal('save-checkpoint'), id: z.number(), dir: z.string().min(1) }),
  /** Load a checkpoint's model for prediction; training it further goes through start.resumeFrom. */
  z.object({ type: z.literal('load-checkpoint'), id: z.number(), dir: z.string().min(1) }),
  z.object({
    type: z.literal('evaluate'),
    id: z.number(),
    dataDir: z.string().min(1),
    data: dataChoiceSchema,
    maxTestImages: z.number().int().min(1).optional(),
  }),
  z.object({
    type: z.literal('predict'),
    id: z.number(),
    /** Test-split indices whose class probabilities to return. */
    testIndices: z.array(z.number().int().min(0)).max(256),
    /** Dataset of the images; the run's dataset (or the bundled sample) when absent. */
    dataDir: z.string().min(1).optional(),
    data: dataChoiceSchema.optional(),
  }),
  /** Load the backend now (it is otherwise loaded by the first start) and return its report. */
  z.object({
    type: z.literal('init-backend'),
    id: z.number(),
    backend: backendNameSchema.optional(),
  }),
]);
export type WorkerRequest = z.input<typeof workerRequestSchema>;

export const workerMessageSchema = z.union([
  z.object({ type: z.literal('event'), event: trainingEventSchema }),
  z.object({ type: z.literal('reply'), id: z.number(), ok: z.literal(true), result: z.unknown() }),
  z.object({
    type: z.literal('reply'),
    id: z.number(),
    ok: z.literal(false),
    error: labErrorSchema,
  }),
]);
export type WorkerMessage = z.infer<typeof workerMessageSchema>;

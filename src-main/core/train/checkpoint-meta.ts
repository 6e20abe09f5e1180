// Checkpoint metadata: the lab.json schema, reading it and listing checkpoints.
// No TensorFlow.js here, so the main process can list checkpoints without loading it.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { hyperparametersSchema, modelSpecSchema } from '../../../src-shared/spec';
import {
  backendNameSchema,
  epochMetricsSchema,
  stepMetricsSchema,
} from '../../../src-shared/training';
import { APP_VERSION } from '../version';

export const CHECKPOINT_FORMAT = 'nin-lab-checkpoint';
export const CHECKPOINT_FORMAT_VERSION = 1;
export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';
export const OPTIMIZER_FILE = 'optimizer.bin';
export const LAB_FILE = 'lab.json';

export const weightEntrySchema = z.object({
  name: z.string(),
  shape: z.array(z.number().int().min(0)),
  dtype: z.literal('float32'),
});

const checkpointDatasetSchema = z.object({
  kind: z.enum(['sample', 'full']),
  source: z.enum(['bundled', 'downloaded', 'imported']),
  official: z.boolean(),
  trainCount: z.number(),
  testCount: z.number(),
  files: z.record(z.string(), z.object({ sha256: z.string(), md5: z.string(), bytes: z.number() })),
});

export const checkpointMetaSchema = z.object({
  format: z.literal(CHECKPOINT_FORMAT),
  formatVersion: z.literal(CHECKPOINT_FORMAT_VERSION),
  appVersion: z.string(),
  savedAt: z.string(),
  spec: modelSpecSchema,
  hyperparameters: hyperparametersSchema,
  epoch: z.number().int().min(1),
  stepInEpoch: z.number().int().min(0),
  globalStep: z.number().int().min(0),
  history: z.object({ steps: z.array(stepMetricsSchema), epochs: z.array(epochMetricsSchema) }),
  dataset: checkpointDatasetSchema,
  backend: backendNameSchema,
  optimizer: z.object({ name: z.enum(['adam', 'sgd']), weights: z.array(weightEntrySchema) }),
});
export type CheckpointMeta = z.infer<typeof checkpointMetaSchema>;
export type CheckpointDataset = z.infer<typeof checkpointDatasetSchema>;

/** Error for a checkpoint that cannot be read; its message names the problem and the next step. */
export class CheckpointError extends Error {
  constructor(
    readonly code:
      'not-found' | 'corrupt' | 'truncated' | 'format-version' | 'spec-mismatch' | 'diverged',
    message: string,
  ) {
    super(message);
    this.name = 'CheckpointError';
  }
}

/** Read and check lab.json of a checkpoint folder. */
export async function readCheckpointMeta(dir: string): Promise<CheckpointMeta> {
  const file = path.join(dir, LAB_FILE);
  const text = await readFile(file, 'utf8').catch(() => {
    throw new CheckpointError(
      'not-found',
      `No checkpoint in ${dir}: ${LAB_FILE} is missing. Choose a folder that NiN Lab saved a checkpoint into.`,
    );
  });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new CheckpointError(
      'corrupt',
      `${file} is not valid JSON (${text.length} bytes), so the checkpoint is damaged. Save the checkpoint again.`,
    );
  }
  const version = (raw as { formatVersion?: unknown })?.formatVersion;
  if (
    (raw as { format?: unknown })?.format === CHECKPOINT_FORMAT &&
    version !== CHECKPOINT_FORMAT_VERSION
  ) {
    throw new CheckpointError(
      'format-version',
      `${file} has format version ${String(version)}, but this NiN Lab ${APP_VERSION} reads version ${CHECKPOINT_FORMAT_VERSION}. Open it with the NiN Lab version that saved it, or update NiN Lab.`,
    );
  }
  const parsed = checkpointMetaSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CheckpointError(
      'corrupt',
      `${file} is not a valid NiN Lab checkpoint: ${issue.path.join('.') || 'top level'}: ${issue.message}. Save the checkpoint again.`,
    );
  }
  return parsed.data;
}

export interface CheckpointListing {
  name: string;
  dir: string;
  savedAt: string;
  epoch: number;
  globalStep: number;
  testAccuracy: number | null;
  inputSize: number;
}

/** List the checkpoints saved under `root`, newest first; folders that are not checkpoints are skipped. */
export async function listCheckpoints(root: string): Promise<CheckpointListing[]> {
  const names = await readdir(root).catch(() => [] as string[]);
  const listings: CheckpointListing[] = [];
  for (const name of names) {
    if (name.includes('.saving-') || name.includes('.previous-')) continue;
    const dir = path.join(root, name);
    const meta = await readCheckpointMeta(dir).catch(() => null);
    if (!meta) continue;
    const lastEpoch = meta.history.epochs.at(-1);
    // meta.epoch is the epoch in progress: after a whole epoch it already names the next one.
    const epoch = meta.stepInEpoch === 0 ? Math.max(1, meta.epoch - 1) : meta.epoch;
    listings.push({
      name,
      dir,
      savedAt: meta.savedAt,
      epoch,
      globalStep: meta.globalStep,
      testAccuracy: lastEpoch ? lastEpoch.testAccuracy : null,
      inputSize: meta.spec.inputSize,
    });
  }
  return listings.sort((a, b) => b.savedAt.localeCompare(a.savedAt));
}

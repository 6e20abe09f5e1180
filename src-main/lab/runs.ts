// Past runs in `<dataDir>/runs/<runId>/`: the worker writes config.json when a run starts and
// appends one JSON line per step and per epoch to metrics.jsonl.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { nameSchema, type RunListing, type RunMetrics } from '../../src-shared/contract';
import { hyperparametersSchema, modelSpecSchema } from '../../src-shared/spec';
import { epochMetricsSchema, stepMetricsSchema } from '../../src-shared/training';
import { namedChild } from './data-folder';
import { LabError } from './errors';

/** The fields of config.json the lab shows; other fields (paths, backend) stay on disk. */
const runConfigFileSchema = z.object({
  runId: z.string(),
  startedAt: z.string(),
  data: z.unknown(),
  spec: modelSpecSchema.nullable().catch(null),
  hyperparameters: hyperparametersSchema.nullable().catch(null),
});

const metricsLineSchema = z.union([
  stepMetricsSchema.extend({ type: z.literal('step') }),
  epochMetricsSchema.extend({ type: z.literal('epoch') }),
]);

/** Lists the runs under `runsRoot`, newest first; folders without a readable config.json are skipped. */
export async function listRuns(runsRoot: string): Promise<RunListing[]> {
  const names = await readdir(runsRoot).catch(() => [] as string[]);
  const listings: RunListing[] = [];
  for (const name of names) {
    if (!nameSchema.safeParse(name).success) {
      continue;
    }
    const metrics = await readRun(join(runsRoot, name)).catch(() => null);
    if (metrics !== null) {
      listings.push(metrics.run);
    }
  }
  return listings.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}

/** Reads one run's listing and its full metrics history; NOT_FOUND when the run does not exist. */
export async function readRunMetrics(runsRoot: string, runId: string): Promise<RunMetrics> {
  const dir = namedChild(runsRoot, runId);
  try {
    return await readRun(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new LabError(
        'NOT_FOUND',
        `Run "${runId}" not found in ${runsRoot}. Choose one from the list of runs.`,
        {
          name: runId,
        },
      );
    }
    throw error;
  }
}

async function readRun(dir: string): Promise<RunMetrics> {
  const config = runConfigFileSchema.parse(
    JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')),
  );
  const steps: RunMetrics['steps'] = [];
  const epochs: RunMetrics['epochs'] = [];
  const text = await readFile(join(dir, 'metrics.jsonl'), 'utf8').catch(() => '');

  // A run that is still writing (or crashed) may end in a partial line: skip lines that do not parse.
  for (const line of text.split('\n')) {
    const entry = metricsLineSchema.safeParse(parseLine(line));
    if (!entry.success) {
      continue;
    }
    const { type, ...metrics } = entry.data;
    if (type === 'step') {
      steps.push(metrics as RunMetrics['steps'][number]);
    } else {
      epochs.push(metrics as RunMetrics['epochs'][number]);
    }
  }

  const lastEpoch = epochs.at(-1);
  const run: RunListing = {
    runId: config.runId,
    startedAt: config.startedAt,
    data: config.data === 'sample' || config.data === 'full' ? config.data : null,
    spec: config.spec,
    hyperparameters: config.hyperparameters,
    epochsCompleted: epochs.length,
    globalStep: steps.at(-1)?.globalStep ?? 0,
    testAccuracy: lastEpoch === undefined ? null : lastEpoch.testAccuracy,
  };
  return { run, steps, epochs };
}

function parseLine(line: string): unknown {
  if (line.trim() === '') {
    return null;
  }
  try {
    return JSON.parse(line);
  } catch {
    return null;
  }
}

// Locations of the lab's data: the dataset cache, runs, checkpoints and settings.
import os from 'node:os';
import path from 'node:path';

export const DATA_DIR_ENV = 'NIN_LAB_DATA_DIR';

/** Return the data folder: an explicit choice, else $NIN_LAB_DATA_DIR, else ~/.nin-lab. */
export function resolveDataDir(explicit?: string): string {
  return path.resolve(explicit ?? process.env[DATA_DIR_ENV] ?? path.join(os.homedir(), '.nin-lab'));
}

export const runsDir = (dataDir: string) => path.join(dataDir, 'runs');
export const checkpointsDir = (dataDir: string) => path.join(dataDir, 'checkpoints');

/** Create a run id that sorts by start time, such as 2026-12-04T20-41-07-123Z-ab12. */
export function newRunId(): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return `${stamp}-${Math.random().toString(16).slice(2, 6)}`;
}

// Remove the temporary data folder of the e2e server (settings, runs, checkpoints).
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname } from 'node:path';

export default async function globalTeardown(): Promise<void> {
  const dir = process.env.NIN_LAB_E2E_DATA_DIR;
  // Only the folder playwright.config.ts created: a nin-lab-e2e-* folder directly in tmpdir.
  if (!dir || dirname(dir) !== tmpdir() || !basename(dir).startsWith('nin-lab-e2e-')) return;
  await rm(dir, { recursive: true, force: true });
}

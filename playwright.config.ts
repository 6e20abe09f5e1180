// End-to-end tests: browser mode in Debian's Chromium (never a downloaded browser), and the
// Electron app through _electron.launch where an Electron binary is installed.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from '@playwright/test';
import { E2E_TOKEN } from './e2e/support/lab';

/** Port of the browser-mode server under test; change it with NIN_LAB_E2E_PORT if taken. */
const PORT = Number(process.env.NIN_LAB_E2E_PORT ?? 5799);

// Workers inherit the environment of this (main) process, so all of them use the same
// temporary data folder, which gives fresh settings, runs and checkpoints on every test run.
process.env.NIN_LAB_E2E_DATA_DIR ??= mkdtempSync(join(tmpdir(), 'nin-lab-e2e-'));

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export default defineConfig({
  testDir: 'e2e',
  // One server trains one run at a time, so specs run one after another.
  workers: 1,
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  // Training steps on a 2-core CI machine take seconds each; the specs keep runs tiny.
  timeout: 180_000,
  expect: { timeout: 60_000 },
  reporter: [['list']],
  globalTeardown: './e2e/support/global-teardown.ts',
  outputDir: 'test-results',
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    locale: 'en-US',
    viewport: { width: 1440, height: 1000 },
    launchOptions: { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS },
    trace: 'retain-on-failure',
  },
  projects: [
    { name: 'browser', testIgnore: 'electron/**' },
    { name: 'electron', testDir: 'e2e/electron' },
  ],
  webServer: {
    // Build first so the server never serves a stale out/renderer; NIN_LAB_E2E_SKIP_BUILD=1
    // reuses the existing build when iterating on the specs alone.
    command:
      `${process.env.NIN_LAB_E2E_SKIP_BUILD ? 'true' : 'npm run build'} && ` +
      `npx tsx src-main/server/serve.ts --host 127.0.0.1 --port ${PORT} --token ${E2E_TOKEN} ` +
      `--data-dir ${process.env.NIN_LAB_E2E_DATA_DIR}`,
    url: `http://127.0.0.1:${PORT}/`,
    reuseExistingServer: false,
    timeout: 180_000,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});

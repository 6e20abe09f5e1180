// The browser-mode journeys in the Electron app, through Playwright's _electron.launch. They
// need the Electron binary; where it is missing (its optional install downloads it, which
// fails offline) every test is skipped with the reason printed.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { _electron as electron, test, type ElectronApplication, type Page } from '@playwright/test';
import {
  checkpointRoundTrip,
  impossibleInputDisablesTrain,
  pauseResumeStop,
  switchLanguage,
  tableFollowsEdits,
  trainOnSample,
} from '../support/journeys';
import { waitForLab } from '../support/lab';

/** Find the Electron binary; returns its path, or the reason it is missing. */
function findElectron(): { path: string } | { reason: string } {
  const require = createRequire(import.meta.url);
  // Resolve package.json, not 'electron': tsconfig.json maps the bare name to local type
  // declarations, and Playwright applies that mapping to requires in specs.
  let packageDir: string;
  try {
    packageDir = dirname(require.resolve('electron/package.json'));
  } catch {
    return { reason: 'the electron package is not installed (it is an optional dependency)' };
  }
  try {
    // The package's index.js returns the path of the binary it downloaded at install time.
    const path = require(join(packageDir, 'index.js')) as unknown;
    if (typeof path === 'string' && existsSync(path)) return { path };
    return {
      reason: `the Electron binary is missing (the electron package returned ${String(path)})`,
    };
  } catch (error) {
    return { reason: `the Electron binary is missing: ${(error as Error).message.split('\n')[0]}` };
  }
}

/** Electron opens real windows, so on Linux it needs an X or Wayland display (or xvfb-run). */
function displayMissing(): boolean {
  return process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
}

const found = findElectron();
const skipReason =
  'reason' in found
    ? `Electron specs skipped: ${found.reason}.`
    : displayMissing()
      ? 'Electron specs skipped: no display on this Linux machine; run them under xvfb-run.'
      : null;
if (skipReason) console.log(skipReason);

test.describe('Electron app', () => {
  test.skip(skipReason !== null, skipReason ?? '');
  test.describe.configure({ mode: 'serial' });

  let app: ElectronApplication;
  let page: Page;
  let dataDir: string;

  test.beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'nin-lab-electron-e2e-'));
    app = await electron.launch({
      executablePath: 'path' in found ? found.path : undefined,
      args: ['.', '--no-sandbox'],
      env: { ...process.env, NIN_LAB_DATA_DIR: dataDir, LANG: 'en_US.UTF-8' },
    });
    page = await app.firstWindow();
    await waitForLab(page, 'en');
  });

  test.afterAll(async () => {
    await app?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('layer table follows each edit', async () => {
    await tableFollowsEdits(page);
  });

  test('impossible input size disables Train', async () => {
    await impossibleInputDisablesTrain(page);
  });

  test('train on the sample', async () => {
    await trainOnSample(page, null);
  });

  test('pause, resume and stop', async () => {
    await pauseResumeStop(page);
  });

  test('checkpoint survives a reload', async () => {
    await checkpointRoundTrip(page);
  });

  test('switch language', async () => {
    await switchLanguage(page);
  });
});

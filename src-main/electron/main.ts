// Entry of the Electron main process: one LabService for the app's data folder, the IPC
// adapter over it, training in a utilityProcess, and one hardened window.
// NOTE: built here but never run, because no Electron binary is installed. The bundled worker
// (an ES module, like this file) was run under Node's child_process.fork only.
import { app, BrowserWindow, dialog, session, utilityProcess } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RESOURCES_ENV } from '../core/data/cache';
import { DATA_DIR_ENV } from '../core/paths';
import { TrainingSupervisor } from '../core/train/supervisor';
import { LabService } from '../lab/lab-service';
import { createLogger } from '../lab/log';
import { registerLabIpc } from './ipc';
import { utilityWorkerSpawner } from './utility-worker';
import { createWindow, hardenSession, isAppUrl, rendererLocation } from './window';

/** out/main: this bundle, the worker bundle beside it, and ../preload, ../renderer. */
const MAIN_DIR = dirname(fileURLToPath(import.meta.url));
const log = createLogger('electron');

/**
 * Points the dataset cache (here and in the worker, which inherits the environment) at the
 * bundled sample: `resources/` of the app in development, Electron's resources folder when
 * packaged (electron-builder copies it there as an extra resource).
 */
function configureResources(): void {
  const packagedResources = (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath;
  process.env[RESOURCES_ENV] ??=
    app.isPackaged && packagedResources ? packagedResources : join(app.getAppPath(), 'resources');
}

async function createLab(): Promise<LabService> {
  const spawnWorker = utilityWorkerSpawner(
    (entry) =>
      utilityProcess.fork(entry, [], { serviceName: 'NiN Lab training', stdio: 'inherit' }),
    join(MAIN_DIR, 'worker.js'),
  );
  return LabService.create({
    loadBackendAtStart: true,
    // $NIN_LAB_DATA_DIR overrides the per-user folder (tests, portable setups).
    dataDir: process.env[DATA_DIR_ENV] || app.getPath('userData'),
    mode: 'electron',
    createSupervisor: () => new TrainingSupervisor(spawnWorker),
    pickFolder: pickFolder,
    systemLocale: app.getSystemLocale() || app.getLocale(),
  });
}

async function pickFolder(): Promise<string | null> {
  const options = { title: 'Import Fashion-MNIST', properties: ['openDirectory' as const] };
  const window = BrowserWindow.getFocusedWindow();
  const result =
    window === null
      ? await dialog.showOpenDialog(options)
      : await dialog.showOpenDialog(window, options);
  return result.canceled || result.filePaths.length === 0 ? null : result.filePaths[0];
}

async function start(): Promise<void> {
  configureResources();
  await app.whenReady();

  const lab = await createLab();
  const location = rendererLocation(MAIN_DIR, app.isPackaged);
  registerLabIpc(lab, (url) => isAppUrl(url, location), log);
  hardenSession(session.defaultSession);

  const preload = join(MAIN_DIR, '../preload/index.cjs');
  createWindow(preload, location);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) {
      createWindow(preload, location);
    }
  });
  app.on('window-all-closed', () => app.quit());
  app.on('will-quit', () => void lab.dispose());
  log.info('app started', { version: app.getVersion(), dataDir: lab.folder.root });
}

// Two instances would share one data folder without coordination, so the second one focuses the first.
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => BrowserWindow.getAllWindows()[0]?.show());
  start().catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    log.error('app failed to start', { error: message });
    dialog.showErrorBox('NiN Lab could not start', message);
    app.exit(1);
  });
}

// The app window and the web-content rules: context isolation, sandbox, no Node in the
// renderer, a Content-Security-Policy header, no navigation, no new windows, no permissions.
import { BrowserWindow, shell, type Session, type WebContents } from 'electron';
import { join } from 'node:path';
import { BROWSER_CSP } from '../server/static-files';

export interface RendererLocation {
  /** Dev server URL of `electron-vite dev`, else null. */
  devServerUrl: string | null;
  /** Built renderer's index.html. */
  indexHtml: string;
}

/** Returns true when a frame URL belongs to this app's renderer (built file or dev server). */
export function isAppUrl(url: string, location: RendererLocation): boolean {
  if (location.devServerUrl !== null) {
    return url.startsWith(new URL(location.devServerUrl).origin + '/');
  }
  return url.split(/[?#]/)[0] === new URL(`file://${location.indexHtml}`).href;
}

export function createWindow(preload: string, location: RendererLocation): BrowserWindow {
  const window = new BrowserWindow({
    width: 1360,
    height: 900,
    minWidth: 960,
    minHeight: 640,
    show: false,
    title: 'NiN Lab',
    autoHideMenuBar: true,
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });

  window.once('ready-to-show', () => window.show());
  blockNavigation(window.webContents);

  if (location.devServerUrl !== null) {
    void window.loadURL(location.devServerUrl);
  } else {
    void window.loadFile(location.indexHtml);
  }
  return window;
}

/**
 * Keeps the window on the app: navigation is cancelled, and window.open or target=_blank
 * links open in the system browser when they are https, else nowhere.
 */
export function blockNavigation(contents: WebContents): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) {
      void shell.openExternal(url);
    }
    return { action: 'deny' };
  });
}

/** Sends the CSP as a header on every response and denies every permission request. */
export function hardenSession(session: Session): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [BROWSER_CSP] },
    });
  });
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

/** Returns the renderer location: the dev server in `electron-vite dev`, else out/renderer. */
export function rendererLocation(mainDir: string, packaged: boolean): RendererLocation {
  const devServerUrl =
    !packaged && process.env.ELECTRON_RENDERER_URL ? process.env.ELECTRON_RENDERER_URL : null;
  return { devServerUrl, indexHtml: join(mainDir, '../renderer/index.html') };
}

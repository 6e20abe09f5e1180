// The subset of Electron's API (version 45) that src-main/electron uses, so the main side
// typechecks where the `electron` package is not installed: it is an optional dependency
// whose install downloads the Electron binary and fails offline. tsconfig.electron.json maps
// the module name `electron` to this file; the bundle keeps `import 'electron'`, which
// Electron provides at run time. Signatures follow Electron's API documentation
// (https://www.electronjs.org/docs/latest/api/).
// NOTE: not compared with Electron 45's own electron.d.ts, which is absent here; where it is
// installed, check with `npx tsc -p tsconfig.electron.json` after removing the mapping.
/* eslint-disable @typescript-eslint/no-explicit-any */

export interface Event {
  preventDefault(): void;
}

export interface WebFrameMain {
  readonly url: string;
}

export interface IpcMainInvokeEvent extends Event {
  readonly sender: WebContents;
  readonly senderFrame: WebFrameMain | null;
}

export interface IpcRendererEvent extends Event {
  readonly sender: unknown;
}

export interface WindowOpenHandlerResponse {
  action: 'allow' | 'deny';
}

export interface WebContents {
  readonly id: number;
  send(channel: string, ...args: any[]): void;
  getURL(): string;
  isDestroyed(): boolean;
  setWindowOpenHandler(handler: (details: { url: string }) => WindowOpenHandlerResponse): void;
  on(event: 'will-navigate' | 'will-redirect', listener: (event: Event, url: string) => void): this;
  on(event: 'will-attach-webview', listener: (event: Event) => void): this;
  on(
    event: 'render-process-gone',
    listener: (event: Event, details: { reason: string; exitCode: number }) => void,
  ): this;
}

export interface WebPreferences {
  preload?: string;
  contextIsolation?: boolean;
  sandbox?: boolean;
  nodeIntegration?: boolean;
  nodeIntegrationInWorker?: boolean;
  webSecurity?: boolean;
  allowRunningInsecureContent?: boolean;
  webviewTag?: boolean;
  spellcheck?: boolean;
}

export interface BrowserWindowConstructorOptions {
  width?: number;
  height?: number;
  minWidth?: number;
  minHeight?: number;
  show?: boolean;
  title?: string;
  backgroundColor?: string;
  autoHideMenuBar?: boolean;
  webPreferences?: WebPreferences;
}

export declare class BrowserWindow {
  constructor(options?: BrowserWindowConstructorOptions);
  static getAllWindows(): BrowserWindow[];
  static getFocusedWindow(): BrowserWindow | null;
  readonly webContents: WebContents;
  show(): void;
  isDestroyed(): boolean;
  loadURL(url: string): Promise<void>;
  loadFile(filePath: string): Promise<void>;
  on(event: 'ready-to-show' | 'closed', listener: () => void): this;
  once(event: 'ready-to-show' | 'closed', listener: () => void): this;
}

export interface App {
  readonly isPackaged: boolean;
  whenReady(): Promise<void>;
  getPath(name: 'userData' | 'home' | 'temp' | 'appData'): string;
  getAppPath(): string;
  getVersion(): string;
  getLocale(): string;
  getSystemLocale(): string;
  requestSingleInstanceLock(): boolean;
  quit(): void;
  exit(exitCode?: number): void;
  on(event: 'window-all-closed', listener: () => void): this;
  on(event: 'activate', listener: () => void): this;
  on(event: 'second-instance', listener: () => void): this;
  on(event: 'before-quit' | 'will-quit', listener: (event: Event) => void): this;
  on(event: 'web-contents-created', listener: (event: Event, contents: WebContents) => void): this;
}
export declare const app: App;

export interface OpenDialogOptions {
  title?: string;
  properties?: Array<'openFile' | 'openDirectory' | 'multiSelections' | 'showHiddenFiles'>;
}
export interface OpenDialogReturnValue {
  canceled: boolean;
  filePaths: string[];
}
export interface Dialog {
  showOpenDialog(window: BrowserWindow, options: OpenDialogOptions): Promise<OpenDialogReturnValue>;
  showOpenDialog(options: OpenDialogOptions): Promise<OpenDialogReturnValue>;
  showErrorBox(title: string, content: string): void;
}
export declare const dialog: Dialog;

export interface IpcMain {
  handle(
    channel: string,
    listener: (event: IpcMainInvokeEvent, ...args: any[]) => Promise<unknown> | unknown,
  ): void;
  removeHandler(channel: string): void;
}
export declare const ipcMain: IpcMain;

export interface OnHeadersReceivedListenerDetails {
  url: string;
  responseHeaders?: Record<string, string[]>;
}
export interface HeadersReceivedResponse {
  cancel?: boolean;
  responseHeaders?: Record<string, string | string[]>;
}
export interface WebRequest {
  onHeadersReceived(
    listener: (
      details: OnHeadersReceivedListenerDetails,
      callback: (response: HeadersReceivedResponse) => void,
    ) => void,
  ): void;
}
export interface Session {
  readonly webRequest: WebRequest;
  setPermissionRequestHandler(
    handler:
      | ((
          webContents: WebContents,
          permission: string,
          callback: (granted: boolean) => void,
        ) => void)
      | null,
  ): void;
  setPermissionCheckHandler(
    handler: ((webContents: WebContents | null, permission: string) => boolean) | null,
  ): void;
}
export declare const session: { readonly defaultSession: Session };

export interface Shell {
  openExternal(url: string): Promise<void>;
}
export declare const shell: Shell;

export interface ForkOptions {
  env?: Record<string, string | undefined>;
  execArgv?: string[];
  cwd?: string;
  stdio?: 'pipe' | 'ignore' | 'inherit';
  serviceName?: string;
}
export interface UtilityProcess {
  readonly pid: number | undefined;
  postMessage(message: any): void;
  kill(): boolean;
  on(event: 'spawn', listener: () => void): this;
  on(event: 'exit', listener: (code: number) => void): this;
  on(event: 'message', listener: (message: any) => void): this;
  on(event: 'error', listener: (type: string, location: string, report: string) => void): this;
}
export declare const utilityProcess: {
  fork(modulePath: string, args?: string[], options?: ForkOptions): UtilityProcess;
};

export interface ContextBridge {
  exposeInMainWorld(apiKey: string, api: any): void;
}
export declare const contextBridge: ContextBridge;

export interface IpcRenderer {
  invoke(channel: string, ...args: any[]): Promise<any>;
  on(channel: string, listener: (event: IpcRendererEvent, ...args: any[]) => void): this;
  removeListener(channel: string, listener: (...args: any[]) => void): this;
}
export declare const ipcRenderer: IpcRenderer;

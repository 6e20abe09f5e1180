// The lab API that the renderer depends on. Two implementations exist: the Electron bridge
// (window.ninLab, through the preload) and the browser-mode WebSocket client. This module
// holds only names and types, so the sandboxed preload can import it without bundling zod.
import type { LabErrorData, LabEvent, RequestOf, ResultOf } from './contract';

/** Every request channel, named once; contract.ts maps each to its schema and result type. */
export const CHANNEL_NAMES = [
  'app.info',
  'settings.get',
  'settings.update',
  'dataset.status',
  'dataset.download',
  'dataset.cancelDownload',
  'dataset.import',
  'dataset.examples',
  'training.status',
  'training.start',
  'training.pause',
  'training.resume',
  'training.stop',
  'training.predict',
  'runs.list',
  'runs.metrics',
  'checkpoints.list',
  'checkpoints.save',
  'checkpoints.load',
  'checkpoints.delete',
] as const;

export type Channel = (typeof CHANNEL_NAMES)[number];

export function isChannel(name: unknown): name is Channel {
  return typeof name === 'string' && (CHANNEL_NAMES as readonly string[]).includes(name);
}

/** Electron IPC channel of every request: `invoke(IPC_INVOKE, channel, request)`. */
export const IPC_INVOKE = 'nin-lab:invoke';
/** Electron IPC channel on which the main process pushes every LabEvent. */
export const IPC_EVENT = 'nin-lab:event';

/** Outcome of one request: errors are data, never exceptions across the boundary. */
export type Reply<T> = { ok: true; result: T } | { ok: false; error: LabErrorData };

/** Arguments of invoke(): the request may be left out where every field is optional. */
export type InvokeArgs<C extends Channel> =
  Record<string, never> extends RequestOf<C> ? [request?: RequestOf<C>] : [request: RequestOf<C>];

export type LabEventListener = (event: LabEvent) => void;

export interface LabApi {
  /**
   * Sends one request. The promise never rejects: validation errors, lab errors and transport
   * failures (code 'TRANSPORT') all arrive as `{ ok: false, error }`.
   */
  invoke<C extends Channel>(channel: C, ...args: InvokeArgs<C>): Promise<Reply<ResultOf<C>>>;

  /** Calls `listener` for every event the lab pushes; returns the function that unsubscribes. */
  subscribe(listener: LabEventListener): () => void;
}

/** The narrow bridge the Electron preload exposes as `window.ninLab`. */
export interface NinLabBridge {
  invoke(channel: Channel, request?: unknown): Promise<Reply<unknown>>;
  subscribe(listener: (event: LabEvent) => void): () => void;
}

/** Browser mode: path of the WebSocket endpoint; the token goes in the `token` query parameter. */
export const WS_PATH = '/api/ws';
/** Browser mode: query (or URL fragment) parameter that carries the access token. */
export const TOKEN_PARAM = 'token';

/** Browser mode: a request frame from the page. `id` pairs it with its reply. */
export interface WireRequest {
  id: number;
  channel: string;
  request?: unknown;
}

/** Browser mode: a frame from the server; `id` is null when the request frame was unreadable. */
export type WireMessage =
  { type: 'reply'; id: number | null; reply: Reply<unknown> } | { type: 'event'; event: LabEvent };

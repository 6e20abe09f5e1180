// LabApi over the browser-mode WebSocket. The page's URL carries the access token that
// `npm run serve` printed (`#token=…` or `?token=…`); it is kept in sessionStorage so a
// reload of the same tab still works. Requests wait for the socket; a lost socket fails
// its pending requests with TRANSPORT and is reopened on the next request.
import type { ResultOf } from '../../../src-shared/contract';
import {
  TOKEN_PARAM,
  WS_PATH,
  type Channel,
  type InvokeArgs,
  type LabApi,
  type LabEventListener,
  type Reply,
  type WireMessage,
  type WireRequest,
} from '../../../src-shared/lab-api';

const TOKEN_STORAGE_KEY = 'nin-lab.token';
/** Delay before reopening a socket that closed while listeners are subscribed, in ms. */
const RECONNECT_DELAY_MS = 1000;

/** Returns the access token from the page URL's fragment or query, else from sessionStorage. */
export function readToken(location: Location = window.location): string | null {
  const fromHash = new URLSearchParams(location.hash.replace(/^#/, '')).get(TOKEN_PARAM);
  const fromQuery = new URLSearchParams(location.search).get(TOKEN_PARAM);
  const token = fromHash ?? fromQuery;
  if (token !== null && token !== '') {
    sessionStorage.setItem(TOKEN_STORAGE_KEY, token);
    return token;
  }
  return sessionStorage.getItem(TOKEN_STORAGE_KEY);
}

/** Returns the WebSocket URL of the server that served this page. */
export function socketUrl(token: string, location: Location = window.location): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${WS_PATH}?${TOKEN_PARAM}=${encodeURIComponent(token)}`;
}

interface Pending {
  channel: Channel;
  resolve(reply: Reply<unknown>): void;
}

export class BrowserClient implements LabApi {
  private socket: WebSocket | null = null;
  private opening: Promise<WebSocket> | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<LabEventListener>();
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly url: string | null) {}

  async invoke<C extends Channel>(channel: C, ...args: InvokeArgs<C>): Promise<Reply<ResultOf<C>>> {
    let socket: WebSocket;
    try {
      socket = await this.open();
    } catch (error) {
      return transportError((error as Error).message);
    }

    const id = this.nextId++;
    const frame: WireRequest = { id, channel, request: args[0] ?? {} };
    return new Promise((resolve) => {
      this.pending.set(id, { channel, resolve: resolve as (reply: Reply<unknown>) => void });
      socket.send(JSON.stringify(frame));
    });
  }

  subscribe(listener: LabEventListener): () => void {
    this.listeners.add(listener);
    this.open().catch(() => this.scheduleReconnect());
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Closes the socket; pending requests fail with TRANSPORT. */
  close(): void {
    if (this.reconnectTimer !== null) {
      clearTimeout(this.reconnectTimer);
    }
    this.listeners.clear();
    this.socket?.close();
  }

  private open(): Promise<WebSocket> {
    if (this.socket !== null && this.socket.readyState === WebSocket.OPEN) {
      return Promise.resolve(this.socket);
    }
    if (this.opening !== null) {
      return this.opening;
    }
    const url = this.url;
    if (url === null) {
      return Promise.reject(
        new Error('This page has no access token. Open the URL that `npm run serve` printed.'),
      );
    }
    this.opening = new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.addEventListener('open', () => {
        this.socket = socket;
        this.opening = null;
        resolve(socket);
      });
      socket.addEventListener('message', (message) => this.receive(message.data));
      socket.addEventListener('close', () => {
        this.opening = null;
        this.dropSocket(socket);
        reject(
          new Error(
            'Could not connect to the NiN Lab server. Check that it still runs and that the ' +
              'page URL has the token it printed.',
          ),
        );
      });
    });
    return this.opening;
  }

  private receive(data: unknown): void {
    let message: WireMessage;
    try {
      message = JSON.parse(String(data)) as WireMessage;
    } catch {
      console.warn('NiN Lab: ignored a server frame that is not JSON.');
      return;
    }

    if (message.type === 'event') {
      for (const listener of this.listeners) {
        listener(message.event);
      }
      return;
    }
    if (message.id === null) {
      console.warn(
        `NiN Lab: the server rejected a frame: ${message.reply.ok ? '' : message.reply.error.message}`,
      );
      return;
    }
    const pending = this.pending.get(message.id);
    this.pending.delete(message.id);
    pending?.resolve(message.reply);
  }

  private dropSocket(socket: WebSocket): void {
    if (this.socket === socket) {
      this.socket = null;
    }
    for (const [id, pending] of this.pending) {
      pending.resolve(
        transportError(`The connection closed before ${pending.channel} returned; try again.`),
      );
      this.pending.delete(id);
    }
    if (this.listeners.size > 0) {
      this.scheduleReconnect();
    }
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer !== null || this.listeners.size === 0) {
      return;
    }
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.open().catch(() => this.scheduleReconnect());
    }, RECONNECT_DELAY_MS);
  }
}

/** Returns a client for the server that served this page, using the token in its URL. */
export function createBrowserClient(): BrowserClient {
  const token = readToken();
  return new BrowserClient(token === null ? null : socketUrl(token));
}

function transportError<T>(message: string): Reply<T> {
  return { ok: false, error: { code: 'TRANSPORT', message } };
}

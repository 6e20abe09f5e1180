// The browser-mode server: the built renderer over HTTP and the lab API over a WebSocket
// (request/reply frames with ids, plus pushed events), both thin adapters over LabService.
// Every API request and WebSocket upgrade needs the token; see security.ts for the checks.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { z } from 'zod';
import { TOKEN_PARAM, WS_PATH, type Reply, type WireMessage } from '../../src-shared/lab-api';
import type { LabService } from '../lab/lab-service';
import { createLogger, type Logger } from '../lab/log';
import {
  allowedHosts,
  formatHost,
  hostAllowed,
  originAllowed,
  tokenMatches,
  tokenOf,
} from './security';
import { SECURITY_HEADERS, sendStatic } from './static-files';

/** Largest request frame or HTTP body accepted, in bytes. */
export const MAX_REQUEST_BYTES = 1024 * 1024;
/** Prefix of the HTTP API: POST /api/invoke/<channel> with the request as the JSON body. */
export const HTTP_INVOKE_PREFIX = '/api/invoke/';

export interface LabServerOptions {
  lab: LabService;
  /** Address to listen on; 127.0.0.1 unless the user chose another. */
  host: string;
  /** Port; 0 picks a free one. */
  port: number;
  token: string;
  /** Folder of the built renderer (out/renderer). */
  staticDir: string;
  logger?: Logger;
}

export interface LabServer {
  /** URL to open, with the token in its fragment (never sent to the server by the browser). */
  url: string;
  origin: string;
  port: number;
  close(): Promise<void>;
}

const wireRequestSchema = z.strictObject({
  id: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  channel: z.string().max(100),
  request: z.unknown().optional(),
});

/** Starts the server and resolves once it listens. */
export async function startLabServer(options: LabServerOptions): Promise<LabServer> {
  const log = options.logger ?? createLogger('server');
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_REQUEST_BYTES });
  // Known once the server listens (port 0 picks the port); no request arrives before that.
  let hosts: Set<string> | null = new Set();
  const server = createServer((request, response) => {
    // Check the Host header before anything else, against DNS rebinding.
    if (!hostAllowed(request, hosts)) {
      rejectHost(request, response, log);
      return;
    }
    handleHttp(request, response, options, log).catch((error: unknown) => {
      log.error('HTTP request failed', { url: request.url, error: String(error) });
      if (!response.headersSent) {
        sendJson(
          response,
          500,
          failure('INTERNAL', 'The server failed to handle this request; see its log.'),
        );
      }
    });
  });

  await listen(server, options.host, options.port);
  const port = (server.address() as AddressInfo).port;
  hosts = allowedHosts(options.host, port);
  server.on('upgrade', (request, socket, head) => {
    if (!acceptUpgrade(request, socket, options.token, hosts, log)) {
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => connect(ws, options.lab, log));
  });

  const origin = `http://${formatHost(options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host)}:${port}`;
  log.info('server listening', { origin });
  return {
    url: `${origin}/#${TOKEN_PARAM}=${options.token}`,
    origin,
    port,
    close: () => closeServer(server, sockets, log),
  };
}

async function handleHttp(
  request: IncomingMessage,
  response: ServerResponse,
  options: LabServerOptions,
  log: Logger,
): Promise<void> {
  const path = (request.url ?? '/').split('?')[0];
  if (path.startsWith('/api/')) {
    await handleApi(request, response, path, options, log);
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    sendJson(
      response,
      405,
      failure('INVALID_REQUEST', `Method ${request.method} is not allowed for ${path}; use GET.`),
    );
    return;
  }
  await sendStatic(options.staticDir, path, response, request.method === 'HEAD');
}

async function handleApi(
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  options: LabServerOptions,
  log: Logger,
): Promise<void> {
  if (!tokenMatches(tokenOf(request), options.token)) {
    log.warn('API request without a valid token', { path, remote: request.socket.remoteAddress });
    sendJson(
      response,
      401,
      failure('UNAUTHORIZED', 'Missing or wrong token. Open the URL that the server printed.'),
    );
    return;
  }
  if (request.method !== 'POST' || !path.startsWith(HTTP_INVOKE_PREFIX)) {
    sendJson(
      response,
      404,
      failure(
        'UNKNOWN_CHANNEL',
        `No API at ${request.method} ${path}; use POST ${HTTP_INVOKE_PREFIX}<channel>.`,
      ),
    );
    return;
  }

  const body = await readBody(request);
  if (body === null) {
    sendJson(
      response,
      413,
      failure('INVALID_REQUEST', `The request body exceeds ${MAX_REQUEST_BYTES} bytes.`),
    );
    return;
  }
  const parsed = parseJson(body);
  if (!parsed.ok) {
    sendJson(
      response,
      400,
      failure('INVALID_REQUEST', `The request body is not JSON: ${parsed.message}`),
    );
    return;
  }
  const channel = decodeURIComponent(path.slice(HTTP_INVOKE_PREFIX.length));
  const reply = await options.lab.handle(channel, body.length === 0 ? {} : parsed.value);
  sendJson(response, 200, reply);
}

function acceptUpgrade(
  request: IncomingMessage,
  socket: Duplex,
  token: string,
  hosts: Set<string> | null,
  log: Logger,
): boolean {
  const path = (request.url ?? '/').split('?')[0];
  const refuse = (status: number, reason: string): false => {
    log.warn('WebSocket upgrade rejected', {
      reason,
      origin: request.headers.origin,
      remote: request.socket.remoteAddress,
    });
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    return false;
  };

  if (path !== WS_PATH) {
    return refuse(404, 'Not Found');
  }
  if (!hostAllowed(request, hosts)) {
    return refuse(403, 'Forbidden');
  }
  if (!tokenMatches(tokenOf(request), token)) {
    return refuse(401, 'Unauthorized');
  }
  if (!originAllowed(request)) {
    return refuse(403, 'Forbidden');
  }
  return true;
}

/** Serves one WebSocket: the current state first, then replies and events. */
function connect(ws: WebSocket, lab: LabService, log: Logger): void {
  const send = (message: WireMessage) => {
    if (ws.readyState === ws.OPEN) {
      ws.send(JSON.stringify(message));
    }
  };
  const unsubscribe = lab.subscribe((event) => send({ type: 'event', event }));
  send({ type: 'event', event: { type: 'state', state: lab.state } });

  ws.on('message', (data: RawData) => {
    void answerFrame(data, lab, log).then(send);
  });
  ws.on('close', unsubscribe);
  ws.on('error', (error) => log.warn('WebSocket error', { error: error.message }));
}

async function answerFrame(data: RawData, lab: LabService, log: Logger): Promise<WireMessage> {
  const parsed = parseJson(data.toString());
  const frame = parsed.ok ? wireRequestSchema.safeParse(parsed.value) : null;
  if (frame === null || !frame.success) {
    const id = parsed.ok ? idOf(parsed.value) : null;
    const reason = parsed.ok ? 'expected {id, channel, request}' : `not JSON (${parsed.message})`;
    log.warn('WebSocket frame rejected', { reason });
    return {
      type: 'reply',
      id,
      reply: failure('INVALID_REQUEST', `Invalid request frame: ${reason}.`),
    };
  }
  const { id, channel, request } = frame.data;
  return { type: 'reply', id, reply: await lab.handle(channel, request) };
}

function idOf(value: unknown): number | null {
  const id = (value as { id?: unknown } | null)?.id;
  return typeof id === 'number' && Number.isSafeInteger(id) ? id : null;
}

function rejectHost(request: IncomingMessage, response: ServerResponse, log: Logger): void {
  log.warn('request with a foreign Host header rejected', { host: request.headers.host });
  sendJson(
    response,
    403,
    failure(
      'UNAUTHORIZED',
      `Host ${request.headers.host ?? '(none)'} is not this server; open the URL it printed.`,
    ),
  );
}

function failure(code: string, message: string): Reply<never> {
  return { ok: false, error: { code, message } };
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  response.end(text);
}

/** Reads the body as text; null when it exceeds MAX_REQUEST_BYTES. */
async function readBody(request: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) {
      return null;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  if (text.length === 0) {
    return { ok: true, value: undefined };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function closeServer(server: Server, sockets: WebSocketServer, log: Logger): Promise<void> {
  for (const client of sockets.clients) {
    client.close(1001, 'server shutting down');
  }
  sockets.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  log.info('server stopped');
}

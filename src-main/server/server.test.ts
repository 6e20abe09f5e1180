import { request as httpRequest } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { WireMessage } from '../../src-shared/lab-api';
import { TrainingSupervisor } from '../core/train/supervisor';
import { LabService } from '../lab/lab-service';
import type { Logger } from '../lab/log';
import { FakeWorker } from '../lab/test-worker';
import { startLabServer, type LabServer } from './server';

const TOKEN = 'test-token-0123456789abcdef';
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

let root: string;
let lab: LabService;
let server: LabServer;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'nin-lab-server-'));
  const staticDir = join(root, 'renderer');
  await import('node:fs/promises').then((fs) => fs.mkdir(staticDir));
  await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>NiN Lab</title>');
  await writeFile(join(root, 'secret.txt'), 'outside the renderer');
  lab = await LabService.create({
    dataDir: join(root, 'data'),
    mode: 'browser',
    logger: quiet,
    createSupervisor: () => new TrainingSupervisor(() => new FakeWorker()),
  });
  server = await startLabServer({
    lab,
    host: '127.0.0.1',
    port: 0,
    token: TOKEN,
    staticDir,
    logger: quiet,
  });
});

afterAll(async () => {
  await server.close();
  await lab.dispose();
  await rm(root, { recursive: true, force: true });
});

interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Sends a raw HTTP request (the path is sent as given, without URL normalisation). */
function http(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: '127.0.0.1', port: server.port, method, path, headers: options.headers },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}

/** Opens a WebSocket; resolves with the socket or the HTTP status that refused it. */
function openSocket(
  query: string,
  origin?: string,
): Promise<{ socket: WebSocket | null; status: number | null }> {
  const socket = new WebSocket(`ws://127.0.0.1:${server.port}/api/ws${query}`, {
    origin: origin ?? server.origin,
  });
  return new Promise((resolve) => {
    socket.on('open', () => resolve({ socket, status: null }));
    socket.on('unexpected-response', (_request, response) =>
      resolve({ socket: null, status: response.statusCode ?? null }),
    );
    socket.on('error', () => resolve({ socket: null, status: null }));
  });
}

/** Sends one frame and waits for the reply with its id (or the id-less reply to a bad frame). */
function exchange(
  socket: WebSocket,
  frame: string,
  id: number | null,
): Promise<WireMessage & { type: 'reply' }> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const message = JSON.parse(data.toString()) as WireMessage;
      if (message.type === 'reply' && message.id === id) {
        socket.off('message', onMessage);
        resolve(message);
      }
    };
    socket.on('message', onMessage);
    socket.send(frame);
  });
}

describe('browser-mode server over HTTP', () => {
  it('serves the renderer with a CSP', async () => {
    const response = await http('GET', '/');

    expect(response.status).toBe(200);
    expect(response.body).toContain('NiN Lab');
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
  });

  it.each(['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/%2e%2e%5csecret.txt'])(
    'refuses path %s',
    async (path) => {
      const response = await http('GET', path);

      expect(response.status).toBe(404);
      expect(response.body).not.toContain('outside the renderer');
    },
  );

  it('API without token is 401', async () => {
    const response = await http('POST', '/api/invoke/settings.get', { body: '{}' });

    expect(response.status).toBe(401);
    expect(JSON.parse(response.body)).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
  });

  it('API with a wrong token is 401', async () => {
    const response = await http('POST', '/api/invoke/settings.get', {
      headers: { Authorization: `Bearer ${TOKEN}x` },
      body: '{}',
    });

    expect(response.status).toBe(401);
  });

  it('API with the token answers', async () => {
    const response = await http('POST', '/api/invoke/settings.get', {
      headers: { Authorization: `Bearer ${TOKEN}` },
      body: '{}',
    });

    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ ok: true, result: { language: 'system' } });
  });

  it('API rejects a malformed request', async () => {
    const headers = { Authorization: `Bearer ${TOKEN}` };
    const notJson = await http('POST', '/api/invoke/settings.update', {
      headers,
      body: '{language:',
    });
    const badValue = await http('POST', '/api/invoke/settings.update', {
      headers,
      body: '{"language":"xx"}',
    });

    expect(notJson.status).toBe(400);
    expect(JSON.parse(badValue.body)).toMatchObject({
      ok: false,
      error: { code: 'INVALID_REQUEST' },
    });
  });

  it('foreign Host header is refused', async () => {
    const response = await http('GET', '/', {
      headers: { Host: `attacker.example:${server.port}` },
    });

    expect(response.status).toBe(403);
  });
});

describe('browser-mode server over WebSocket', () => {
  it('upgrade without token is refused', async () => {
    const { socket, status } = await openSocket('');

    expect(socket).toBeNull();
    expect(status).toBe(401);
  });

  it('upgrade with a wrong token is refused', async () => {
    const { status } = await openSocket('?token=wrong');

    expect(status).toBe(401);
  });

  it('upgrade from another origin is refused', async () => {
    const { socket, status } = await openSocket(`?token=${TOKEN}`, 'http://evil.example');

    expect(socket).toBeNull();
    expect(status).toBe(403);
  });

  it('upgrade without an origin is refused', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/api/ws?token=${TOKEN}`);
    const status = await new Promise<number | null>((resolve) => {
      socket.on('open', () => resolve(null));
      socket.on('unexpected-response', (_request, response) =>
        resolve(response.statusCode ?? null),
      );
    });

    expect(status).toBe(403);
  });

  it('valid socket gets state and replies', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/api/ws?token=${TOKEN}`, {
      origin: server.origin,
    });
    const first = new Promise<WireMessage>((resolve) =>
      socket.once('message', (data) => resolve(JSON.parse(data.toString()) as WireMessage)),
    );
    await new Promise((resolve) => socket.once('open', resolve));

    expect(await first).toMatchObject({
      type: 'event',
      event: { type: 'state', state: { training: { state: 'idle' } } },
    });
    const reply = await exchange(
      socket,
      JSON.stringify({ id: 7, channel: 'dataset.status', request: {} }),
      7,
    );
    expect(reply.reply).toMatchObject({ ok: true, result: { inUse: 'sample' } });
    socket.close();
  });

  it('malformed frames get errors and the socket stays open', async () => {
    const { socket } = await openSocket(`?token=${TOKEN}`);
    if (socket === null) {
      throw new Error('socket did not open');
    }

    const notJson = await exchange(socket, 'not json', null);
    const noChannel = await exchange(socket, JSON.stringify({ id: 1 }), 1);
    const traversal = await exchange(
      socket,
      JSON.stringify({ id: 2, channel: 'checkpoints.load', request: { name: '../../etc' } }),
      2,
    );
    const unknown = await exchange(
      socket,
      JSON.stringify({ id: 3, channel: 'fs.read', request: {} }),
      3,
    );
    const stillWorks = await exchange(
      socket,
      JSON.stringify({ id: 4, channel: 'settings.get' }),
      4,
    );

    expect(notJson.reply).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    expect(noChannel.reply).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    expect(traversal.reply).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    expect(unknown.reply).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
    expect(stillWorks.reply.ok).toBe(true);
    socket.close();
  });
});

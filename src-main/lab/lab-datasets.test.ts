// Dataset requests of LabService against a local HTTP server on 127.0.0.1 that serves small
// hand-built IDX files, and an import from a folder of those files.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LabEvent } from '../../src-shared/contract';
import { datasetFixtureFiles, md5Hex, writeFiles } from '../core/data/test-fixtures';
import { LabService } from './lab-service';
import type { Logger } from './log';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const files = datasetFixtureFiles(30, 20);
const expectedMd5 = Object.fromEntries(
  Object.entries(files).map(([name, bytes]) => [name, md5Hex(bytes)]),
);

type Route = (request: IncomingMessage, response: ServerResponse) => void;
let server: Server;
let baseUrl: string;
let routes = new Map<string, Route>();
let root: string;
let caseCount = 0;
const labs: LabService[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'nin-lab-datasets-'));
  server = createServer((request, response) => {
    const route = routes.get(request.url ?? '');
    if (route === undefined) {
      response.writeHead(404).end('not found');
      return;
    }
    route(request, response);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  for (const lab of labs.splice(0)) {
    await lab.dispose();
  }
  server.closeAllConnections();
  routes = new Map();
});

afterAll(async () => {
  await new Promise((done) => server.close(done));
  await rm(root, { recursive: true, force: true });
});

/** Serves the fixture files; `stallOn` sends half of that file and then nothing more. */
function serveFiles(stallOn?: string): void {
  for (const [name, bytes] of Object.entries(files)) {
    routes.set(`/${name}`, (_request, response) => {
      response.writeHead(200, { 'content-length': bytes.length });
      if (name === stallOn) {
        response.write(bytes.subarray(0, bytes.length >> 1));
        return;
      }
      response.end(bytes);
    });
  }
}

async function newLab(): Promise<{ lab: LabService; dataDir: string; events: LabEvent[] }> {
  caseCount += 1;
  const dataDir = join(root, `data-${caseCount}`);
  const lab = await LabService.create({
    dataDir,
    mode: 'browser',
    logger: quiet,
    downloadSource: { mirrors: [`${baseUrl}/`], expectedMd5, stallTimeoutMs: 60_000 },
  });
  labs.push(lab);
  const events: LabEvent[] = [];
  lab.subscribe((event) => events.push(event));
  return { lab, dataDir, events };
}

describe('LabService dataset download', () => {
  it('downloads with progress and checksums', async () => {
    serveFiles();
    const { lab, events } = await newLab();

    const reply = await lab.handle('dataset.download', {});

    expect(reply).toMatchObject({
      ok: true,
      result: { status: { full: { available: true, source: 'downloaded', trainCount: 30 } } },
    });
    const checksums = reply.ok
      ? (reply.result as { checksums: Array<{ ok: boolean }> }).checksums
      : [];
    expect(checksums).toHaveLength(4);
    expect(checksums.every((checksum) => checksum.ok)).toBe(true);
    const types = events.map((event) => event.type);
    expect(types).toContain('download-progress');
    expect(types).toContain('dataset-changed');
    const downloading = events.flatMap((event) =>
      event.type === 'state' ? [event.state.downloading] : [],
    );
    expect(downloading).toEqual([true, false]);
  });

  it('a second download while one runs is BUSY', async () => {
    serveFiles('train-images-idx3-ubyte.gz');
    const { lab } = await newLab();

    const first = lab.handle('dataset.download', {});
    await expect.poll(() => lab.state.downloading).toBe(true);
    const second = await lab.handle('dataset.download', {});
    await lab.handle('dataset.cancelDownload', {});

    expect(second.ok ? null : second.error.code).toBe('BUSY');
    expect(await first).toMatchObject({ ok: false, error: { code: 'ABORTED' } });
  });

  it('cancel stops a stalled download and keeps nothing', async () => {
    serveFiles('train-images-idx3-ubyte.gz');
    const { lab, dataDir } = await newLab();

    const download = lab.handle('dataset.download', {});
    await expect.poll(() => lab.state.downloading).toBe(true);
    const cancelled = await lab.handle('dataset.cancelDownload', {});
    const reply = await download;

    expect(cancelled).toEqual({ ok: true, result: { cancelled: true } });
    expect(reply.ok ? null : reply.error.code).toBe('ABORTED');
    expect(lab.state.downloading).toBe(false);
    expect((await readdir(dataDir)).filter((name) => name.startsWith('fashion-mnist'))).toEqual([]);
  });

  it('cancel without a download reports false', async () => {
    const { lab } = await newLab();

    expect(await lab.handle('dataset.cancelDownload', {})).toEqual({
      ok: true,
      result: { cancelled: false },
    });
  });
});

describe('LabService dataset import', () => {
  it('imports a folder and can use it', async () => {
    const source = join(root, `import-${caseCount}`);
    await writeFiles(source, files);
    const { lab, events } = await newLab();

    const reply = await lab.handle('dataset.import', { dir: source });
    await lab.handle('settings.update', { data: 'full' });
    const examples = await lab.handle('dataset.examples', { split: 'train', count: 2 });

    expect(reply).toMatchObject({
      ok: true,
      result: {
        imported: true,
        status: { full: { available: true, source: 'imported', official: false } },
      },
    });
    expect(events.some((event) => event.type === 'dataset-changed')).toBe(true);
    expect(examples).toMatchObject({
      ok: true,
      result: { data: 'full', examples: [{ index: 0 }, { index: 1 }] },
    });
  });

  it('a folder without the files fails clearly', async () => {
    const empty = join(root, 'empty-folder');
    await writeFiles(empty, {});
    const { lab } = await newLab();

    const reply = await lab.handle('dataset.import', { dir: empty });

    expect(reply.ok).toBe(false);
    expect(reply.ok ? '' : reply.error.code).toBe('FILE_MISSING');
    expect(reply.ok ? '' : reply.error.message).toContain(empty);
  });
});

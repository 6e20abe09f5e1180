import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DatasetCache, DATASET_RECORD_FILE, readDatasetRecord } from './cache';
import { loadDatasetDir } from './dataset';
import type { DownloadProgress } from './download';
import { DatasetError } from './errors';
import {
  cyclicLabels,
  datasetFixtureFiles,
  idxImagesBytes,
  idxLabelsBytes,
  md5Hex,
  writeFiles,
} from './test-fixtures';

/** Request handler of one path on the fixture server. */
type Route = (request: IncomingMessage, response: ServerResponse) => void;

const SHARED_DATASET = fileURLToPath(
  new URL('../../../../shared/datasets/fashion-mnist/', import.meta.url),
);

const files = datasetFixtureFiles(30, 20);
const expectedMd5 = Object.fromEntries(
  Object.entries(files).map(([name, bytes]) => [name, md5Hex(bytes)]),
);
const TRAIN_IMAGES = 'train-images-idx3-ubyte.gz';

let server: Server;
let baseUrl: string;
let routes: Map<string, Route>;
let requests: string[];
let root: string;
let caseCount = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'nin-lab-cache-'));
  server = createServer((request, response) => {
    requests.push(request.url ?? '');
    const route = routes.get(request.url ?? '');
    if (route) {
      route(request, response);
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(() => {
  // Stalled test responses never end by themselves.
  server.closeAllConnections();
});

afterAll(async () => {
  await new Promise((done) => server.close(done));
  await rm(root, { recursive: true, force: true });
});

/** Serves the fixture files under `prefix`, with `overrides` replacing single files. */
function serveFiles(prefix: string, overrides: Record<string, Route> = {}): string {
  for (const [name, bytes] of Object.entries(files)) {
    routes.set(`${prefix}${name}`, overrides[name] ?? sendBytes(bytes));
  }
  return `${baseUrl}${prefix}`;
}

function sendBytes(bytes: Uint8Array, contentType = 'application/octet-stream'): Route {
  return (_request, response) => {
    response.writeHead(200, { 'content-type': contentType, 'content-length': bytes.length });
    response.end(bytes);
  };
}

/** Sends the first `sentBytes` of `bytes` with the full Content-Length, then `after`. */
function sendPart(bytes: Uint8Array, sentBytes: number, after: 'close' | 'stall'): Route {
  return (_request, response) => {
    response.writeHead(200, { 'content-length': bytes.length });
    response.write(bytes.subarray(0, sentBytes), () => {
      if (after === 'close') {
        response.destroy();
      }
    });
  };
}

/** A fresh data folder and cache whose resources folder contains no sample. */
function newCache(): { cache: DatasetCache; dataDir: string } {
  caseCount += 1;
  const dataDir = join(root, `data-${caseCount}`);
  requests = [];
  routes = new Map();
  return {
    cache: new DatasetCache(dataDir, { resourcesDir: join(root, 'no-resources') }),
    dataDir,
  };
}

async function rejection(promise: Promise<unknown>): Promise<DatasetError> {
  const error = await promise.then(
    () => new Error('expected a DatasetError, but the call succeeded'),
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DatasetError);
  return error as DatasetError;
}

/** Checks that a failed operation left no dataset and no temporary files in `dataDir`. */
async function expectNothingLeft(dataDir: string): Promise<void> {
  const entries = await readdir(dataDir).catch(() => []);
  expect(entries).toEqual([]);
}

describe('DatasetCache.download', () => {
  it('downloads, verifies and records all four files', async () => {
    const { cache, dataDir } = newCache();
    const mirror = serveFiles('/good/');
    const progress: DownloadProgress[] = [];

    const identity = await cache.download({
      mirrors: [mirror],
      expectedMd5,
      onProgress: (event) => progress.push(event),
    });

    expect(identity).toMatchObject({ source: 'downloaded', trainCount: 30, testCount: 20 });
    expect(identity.official).toBe(false);
    expect(identity.dir).toBe(join(dataDir, 'fashion-mnist'));
    expect((await readdir(dataDir)).sort()).toEqual(['fashion-mnist']);
    expect((await readdir(identity.dir)).sort()).toEqual(
      [DATASET_RECORD_FILE, ...Object.keys(files)].sort(),
    );
    const last = progress.filter((event) => event.file === TRAIN_IMAGES).at(-1);
    expect(last).toEqual({
      file: TRAIN_IMAGES,
      receivedBytes: files[TRAIN_IMAGES].length,
      totalBytes: files[TRAIN_IMAGES].length,
      fileIndex: 0,
      fileCount: 4,
    });
    expect(new Set(progress.map((event) => event.fileIndex))).toEqual(new Set([0, 1, 2, 3]));

    const status = await cache.status();
    expect(status.full).toMatchObject({ present: true, source: 'downloaded', trainCount: 30 });
    const dataset = await cache.load('full');
    expect(dataset.identity.source).toBe('downloaded');
    expect(Array.from(dataset.train.labels)).toEqual(cyclicLabels(30));
  });

  it('rejects a wrong checksum', async () => {
    const { cache, dataDir } = newCache();
    const mirror = serveFiles('/checksum/');
    const wrongMd5 = { ...expectedMd5, [TRAIN_IMAGES]: '0123456789abcdef0123456789abcdef' };

    const error = await rejection(cache.download({ mirrors: [mirror], expectedMd5: wrongMd5 }));

    expect(error.code).toBe('CHECKSUM_MISMATCH');
    expect(error.message).toContain(`${mirror}${TRAIN_IMAGES}`);
    expect(error.message).toContain('expected 0123456789abcdef0123456789abcdef');
    expect(error.message).toContain(`found ${expectedMd5[TRAIN_IMAGES]}`);
    expect(error.message).toMatch(/nin-lab data import DIR/);
    await expectNothingLeft(dataDir);
  });

  it('detects an HTML page served with status 200', async () => {
    const { cache, dataDir } = newCache();
    const page = Buffer.from('<!DOCTYPE html>\n<html><body>Moved</body></html>');
    const mirror = serveFiles('/html/', { [TRAIN_IMAGES]: sendBytes(page, 'text/html') });

    const error = await rejection(cache.download({ mirrors: [mirror], expectedMd5 }));

    expect(error.code).toBe('HTML_PAGE');
    expect(error.message).toContain(`${mirror}${TRAIN_IMAGES}`);
    expect(error.message).toMatch(/expected the gzipped IDX file train-images-idx3-ubyte\.gz/);
    expect(error.message).toMatch(/found an HTML page \(Content-Type text\/html\)/);
    await expectNothingLeft(dataDir);
  });

  it('detects a truncated body', async () => {
    const { cache, dataDir } = newCache();
    const full = files[TRAIN_IMAGES];
    const mirror = serveFiles('/truncated/', { [TRAIN_IMAGES]: sendPart(full, 100, 'close') });

    const error = await rejection(cache.download({ mirrors: [mirror], expectedMd5 }));

    expect(error.code).toBe('TRUNCATED');
    expect(error.message).toContain(`${mirror}${TRAIN_IMAGES}`);
    expect(error.message).toContain(`after 100 of ${full.length} bytes`);
    await expectNothingLeft(dataDir);
  });

  it('falls back after HTTP 500', async () => {
    const { cache } = newCache();
    const failing = serveFiles('/a/', {
      [TRAIN_IMAGES]: (_request, response) => response.writeHead(500).end('boom'),
    });
    const working = serveFiles('/b/');

    const identity = await cache.download({ mirrors: [failing, working], expectedMd5 });

    expect(identity.trainCount).toBe(30);
    expect(requests).toContain(`/a/${TRAIN_IMAGES}`);
    expect(requests).toContain(`/b/${TRAIN_IMAGES}`);
    // The first mirror still serves the other files.
    expect(requests).not.toContain('/b/train-labels-idx1-ubyte.gz');
  });

  it('lists every mirror when all fail', async () => {
    const { cache, dataDir } = newCache();
    const status500: Route = (_request, response) => response.writeHead(500).end();
    const first = serveFiles('/x/', { [TRAIN_IMAGES]: status500 });
    const second = serveFiles('/y/', { [TRAIN_IMAGES]: status500 });

    const error = await rejection(cache.download({ mirrors: [first, second], expectedMd5 }));

    expect(error.code).toBe('HTTP_STATUS');
    expect(error.message).toMatch(/failed on all 2 mirrors/);
    expect(error.message).toContain(`${first}${TRAIN_IMAGES}: expected HTTP 200, found HTTP 500`);
    expect(error.message).toContain(`${second}${TRAIN_IMAGES}: expected HTTP 200, found HTTP 500`);
    expect(error.message).toMatch(/Check the connection/);
    await expectNothingLeft(dataDir);
  });

  it('cleans up after an abort mid-download', async () => {
    const { cache, dataDir } = newCache();
    const full = files[TRAIN_IMAGES];
    const mirror = serveFiles('/abort/', { [TRAIN_IMAGES]: sendPart(full, 200, 'stall') });
    const controller = new AbortController();
    const progress: DownloadProgress[] = [];

    const error = await rejection(
      cache.download({
        mirrors: [mirror],
        expectedMd5,
        signal: controller.signal,
        onProgress: (event) => {
          progress.push(event);
          controller.abort();
        },
      }),
    );

    expect(error.code).toBe('ABORTED');
    expect(error.message).toContain(`${mirror}${TRAIN_IMAGES}`);
    expect(progress[0].receivedBytes).toBe(200);
    await expectNothingLeft(dataDir);
  });

  it('times out on a stalled connection', async () => {
    const { cache, dataDir } = newCache();
    const full = files[TRAIN_IMAGES];
    const mirror = serveFiles('/stall/', { [TRAIN_IMAGES]: sendPart(full, 50, 'stall') });

    const error = await rejection(
      cache.download({ mirrors: [mirror], expectedMd5, stallTimeoutMs: 200 }),
    );

    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toContain(`${mirror}${TRAIN_IMAGES}`);
    expect(error.message).toContain(`no data for 0.2 s after 50 of ${full.length} bytes`);
    await expectNothingLeft(dataDir);
  });

  it('reports a refused connection', async () => {
    const { cache } = newCache();
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((done) => closed.close(done));

    const error = await rejection(
      cache.download({ mirrors: [`http://127.0.0.1:${port}/`], expectedMd5 }),
    );

    expect(error.code).toBe('NETWORK');
    expect(error.message).toContain(`http://127.0.0.1:${port}/${TRAIN_IMAGES}`);
    expect(error.message).toMatch(/ECONNREFUSED/);
  });

  it('keeps the old cache when a download fails', async () => {
    const { cache, dataDir } = newCache();
    await cache.download({ mirrors: [serveFiles('/first/')], expectedMd5 });
    const before = await readFile(join(dataDir, 'fashion-mnist', DATASET_RECORD_FILE), 'utf8');
    const broken = serveFiles('/broken/', {
      't10k-labels-idx1-ubyte.gz': (_request, response) => response.writeHead(503).end(),
    });

    await rejection(cache.download({ mirrors: [broken], expectedMd5 }));

    expect(await readdir(dataDir)).toEqual(['fashion-mnist']);
    expect(await readFile(join(dataDir, 'fashion-mnist', DATASET_RECORD_FILE), 'utf8')).toBe(
      before,
    );
    expect((await cache.load('full')).train.count).toBe(30);
  });
});

describe('DatasetCache.importDir', () => {
  it('imports plain files and replaces the cache', async () => {
    const { cache, dataDir } = newCache();
    await cache.download({ mirrors: [serveFiles('/before-import/')], expectedMd5 });
    const source = join(root, 'plain-source');
    await writeFiles(source, {
      'train-images-idx3-ubyte': idxImagesBytes(12),
      'train-labels-idx1-ubyte': idxLabelsBytes(cyclicLabels(12)),
      't10k-images-idx3-ubyte': idxImagesBytes(6),
      't10k-labels-idx1-ubyte': idxLabelsBytes(cyclicLabels(6)),
    });

    const identity = await cache.importDir(source);

    expect(identity).toMatchObject({ source: 'imported', trainCount: 12, testCount: 6 });
    expect(identity.official).toBe(false);
    expect(await readdir(dataDir)).toEqual(['fashion-mnist']);
    const record = await readDatasetRecord(join(dataDir, 'fashion-mnist'));
    expect(record?.files).toEqual(identity.files);
    expect((await cache.load('full')).test.count).toBe(6);
  });

  it('rejects a bad folder and keeps the cache', async () => {
    const { cache, dataDir } = newCache();
    await cache.download({ mirrors: [serveFiles('/keep/')], expectedMd5 });
    const bad = join(root, 'bad-source');
    await writeFiles(bad, {
      ...files,
      'train-labels-idx1-ubyte.gz': idxLabelsBytes([...cyclicLabels(29), 10]),
    });

    const error = await rejection(cache.importDir(bad));

    expect(error.code).toBe('BAD_LABEL');
    expect(error.message).toContain(join(bad, 'train-labels-idx1-ubyte.gz'));
    expect(error.message).toMatch(/found 10 at index 29/);
    expect(await readdir(dataDir)).toEqual(['fashion-mnist']);
    const status = await cache.status();
    expect(status.full).toMatchObject({ present: true, source: 'downloaded', trainCount: 30 });
  });

  it('imports the real unofficial Fashion-MNIST', async () => {
    const { cache } = newCache();

    const identity = await cache.importDir(SHARED_DATASET);

    expect(identity).toMatchObject({
      kind: 'full',
      source: 'imported',
      trainCount: 60_000,
      testCount: 10_000,
      official: false,
    });
    const status = await cache.status();
    expect(status.full).toMatchObject({ present: true, kind: 'full', official: false });
    const sums = await readFile(join(SHARED_DATASET, 'SHA256SUMS'), 'utf8');
    for (const [name, digest] of Object.entries(identity.files)) {
      expect(sums).toContain(`${digest.sha256}  ${name}`);
    }
  });
});

describe('DatasetCache.status and load', () => {
  it('reports an empty cache and a missing sample', async () => {
    const { cache } = newCache();

    const status = await cache.status();

    expect(status.full).toBeNull();
    expect(status.sample.present).toBe(false);
    expect(status.sample).toMatchObject({ problem: expect.stringMatching(/NIN_LAB_RESOURCES/) });
    const error = await rejection(cache.load('full'));
    expect(error.code).toBe('NOT_CACHED');
    expect(error.message).toMatch(/nin-lab data download/);
  });

  it('finds the sample through resourcesDir', async () => {
    const resources = join(root, 'resources-fixture');
    const sampleDir = join(resources, 'fashion-mnist-sample');
    await writeFiles(sampleDir, files);
    const { identity } = await loadDatasetDir(sampleDir, { kind: 'sample', source: 'bundled' });
    const { writeDatasetRecord } = await import('./cache');
    await writeDatasetRecord(sampleDir, identity);
    const cache = new DatasetCache(join(root, 'data-sample'), { resourcesDir: resources });

    const status = await cache.status();
    const dataset = await cache.load('sample');

    expect(status.sample).toEqual({
      present: true,
      dir: sampleDir,
      kind: 'sample',
      source: 'bundled',
      official: false,
      trainCount: 30,
      testCount: 20,
    });
    expect(dataset.identity).toMatchObject({ kind: 'sample', source: 'bundled', dir: sampleDir });
  });

  it('detects a changed cached file', async () => {
    const { cache, dataDir } = newCache();
    await cache.download({ mirrors: [serveFiles('/changed/')], expectedMd5 });
    const labelsPath = join(dataDir, 'fashion-mnist', 'train-labels-idx1-ubyte.gz');
    const { gzipSync } = await import('node:zlib');
    await writeFile(labelsPath, gzipSync(idxLabelsBytes(cyclicLabels(30).reverse())));

    const error = await rejection(cache.load('full'));

    expect(error.code).toBe('CACHE_CORRUPT');
    expect(error.message).toContain(labelsPath);
    expect(error.message).toContain(`expected SHA-256`);
  });

  it('reports a deleted cached file in status', async () => {
    const { cache, dataDir } = newCache();
    await cache.download({ mirrors: [serveFiles('/deleted/')], expectedMd5 });
    const imagesPath = join(dataDir, 'fashion-mnist', 't10k-images-idx3-ubyte.gz');
    await rm(imagesPath);

    const status = await cache.status();

    expect(status.full?.present).toBe(false);
    expect(status.full).toMatchObject({ problem: expect.stringContaining(imagesPath) });
    expect(status.full).toMatchObject({ problem: expect.stringContaining('found no file') });
  });

  it('loads any folder by path', async () => {
    const { cache } = newCache();
    const dir = join(root, 'by-path');
    await writeFiles(dir, files);

    const dataset = await cache.load(dir);

    expect(dataset.identity).toMatchObject({ source: 'imported', dir: resolve(dir) });
    expect(dataset.train.count).toBe(30);
  });

  it('rejects a second concurrent import', async () => {
    const { cache } = newCache();
    const dir = join(root, 'concurrent');
    await writeFiles(dir, files);

    const first = cache.importDir(dir);
    const second = cache.importDir(dir);
    const results = await Promise.allSettled([first, second]);

    const rejected = results.filter((result) => result.status === 'rejected');
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect((rejected[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'BUSY' });
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetError } from './errors';
import {
  describeBytes,
  encodeIdxImages,
  encodeIdxLabels,
  gunzipIfNeeded,
  isGzip,
  parseIdxImages,
  parseIdxLabels,
  readIdxImages,
  readIdxLabels,
} from './idx';
import { cyclicLabels, idxImagesBytes, idxLabelsBytes } from './test-fixtures';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nin-lab-idx-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes `bytes` to a file in the test folder and returns its path. */
async function fixtureFile(name: string, bytes: Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

/** Runs `action` and returns the DatasetError it throws; fails the test otherwise. */
async function datasetError(action: () => unknown): Promise<DatasetError> {
  try {
    await action();
  } catch (error) {
    expect(error).toBeInstanceOf(DatasetError);
    return error as DatasetError;
  }
  throw new Error('expected a DatasetError, but the action succeeded');
}

describe('idx parsing', () => {
  it('parses raw images field by field', () => {
    const { images, count } = parseIdxImages(idxImagesBytes(3), 'raw-images');

    expect(count).toBe(3);
    expect(images.length).toBe(3 * 784);
    expect(images[0]).toBe(0);
    expect(images[784 + 5]).toBe(12);
    expect(images[2 * 784 + 300]).toBe((2 * 7 + 300) % 256);
  });

  it('parses raw labels', () => {
    const { labels, count } = parseIdxLabels(idxLabelsBytes([9, 0, 3]), 'raw-labels');

    expect(count).toBe(3);
    expect(Array.from(labels)).toEqual([9, 0, 3]);
  });

  it('reads gzipped and plain files alike', async () => {
    const gzipped = await fixtureFile('plain-name', gzipSync(idxImagesBytes(4)));
    const plain = await fixtureFile('gz-name.gz', idxImagesBytes(4));

    const fromGzip = await readIdxImages(gzipped);
    const fromPlain = await readIdxImages(plain);

    expect(fromGzip.count).toBe(4);
    expect(fromPlain.count).toBe(4);
    expect(Buffer.from(fromGzip.images).equals(Buffer.from(fromPlain.images))).toBe(true);
  });

  it('round-trips through the encoders', async () => {
    const source = parseIdxImages(idxImagesBytes(5), 'source');
    const encodedImages = await encodeIdxImages(source.images, source.count);
    const encodedLabels = await encodeIdxLabels(Uint8Array.from(cyclicLabels(5)));

    expect(isGzip(encodedImages)).toBe(true);
    const images = parseIdxImages(await gunzipIfNeeded(encodedImages, 'encoded'), 'encoded');
    const labels = parseIdxLabels(await gunzipIfNeeded(encodedLabels, 'encoded'), 'encoded');
    expect(Buffer.from(images.images).equals(Buffer.from(source.images))).toBe(true);
    expect(Array.from(labels.labels)).toEqual([0, 1, 2, 3, 4]);
  });

  it('describes leading bytes as hex and text', () => {
    expect(describeBytes(Buffer.from('hello world'))).toBe('68 65 6c 6c 6f 20 77 6f ("hello wo")');
    expect(describeBytes(new Uint8Array())).toBe('(empty)');
  });
});

describe('idx validation', () => {
  const imageCases: Array<[string, Buffer, string, RegExp[]]> = [
    [
      'wrong magic',
      idxImagesBytes(2, { magic: 2049 }),
      'BAD_MAGIC',
      [/expected IDX magic number 2051/, /found 2049/, /swapped/],
    ],
    ['unknown magic', idxImagesBytes(2, { magic: 2055 }), 'BAD_MAGIC', [/2051/, /found 2055/]],
    [
      'wrong dimensions',
      idxImagesBytes(2, { rows: 32, cols: 32 }),
      'BAD_DIMENSIONS',
      [/expected 28x28/, /found 32x32/],
    ],
    ['zero count', idxImagesBytes(0), 'BAD_DIMENSIONS', [/0 images/]],
    [
      'truncated data',
      idxImagesBytes(3, { missingBytes: 10 }),
      'TRUNCATED',
      [/need 2368 bytes/, /found 2358 bytes/, /10 missing/],
    ],
    [
      'truncated header',
      idxImagesBytes(1).subarray(0, 10),
      'TRUNCATED',
      [/16-byte/, /found 10 bytes/],
    ],
    [
      'trailing bytes',
      idxImagesBytes(3, { extraBytes: 5 }),
      'TRAILING_BYTES',
      [/need 2368 bytes/, /found 2373 bytes/, /5 extra/],
    ],
    [
      'header count too large',
      idxImagesBytes(2, { headerCount: 3 }),
      'TRUNCATED',
      [/3 images/, /need 2368/, /found 1584/],
    ],
    [
      'text file',
      Buffer.from('hello, this is not a dataset'),
      'NOT_IDX',
      [/1f 8b/, /00 00 08 03/, /68 65 6c 6c/],
    ],
    [
      'HTML page',
      Buffer.from('<!DOCTYPE html><html><body>Not found</body></html>'),
      'HTML_PAGE',
      [/HTML/, /3c 21 44 4f/],
    ],
  ];

  it.each(imageCases)('images: %s', async (name, bytes, code, patterns) => {
    const path = await fixtureFile(`images-${name.replace(/ /g, '-')}`, gzipSync(bytes));

    const error = await datasetError(() => readIdxImages(path));

    expect(error.code).toBe(code);
    expect(error.file).toBe(path);
    expect(error.message).toContain(path);
    for (const pattern of patterns) {
      expect(error.message).toMatch(pattern);
    }
    expect(error.message).toMatch(/nin-lab data (download|import)/);
  });

  const labelCases: Array<[string, Buffer, string, RegExp[]]> = [
    ['label 10', idxLabelsBytes([0, 5, 10, 2]), 'BAD_LABEL', [/0 to 9/, /found 10 at index 2/]],
    ['images magic', idxLabelsBytes([1, 2], { magic: 2051 }), 'BAD_MAGIC', [/2049/, /found 2051/]],
    [
      'trailing bytes',
      Buffer.concat([idxLabelsBytes([1, 2]), Buffer.from([0])]),
      'TRAILING_BYTES',
      [/need 10 bytes/, /found 11/],
    ],
    [
      'truncated',
      idxLabelsBytes([1, 2], { headerCount: 4 }),
      'TRUNCATED',
      [/4 labels/, /need 12/, /found 10/],
    ],
  ];

  it.each(labelCases)('labels: %s', async (name, bytes, code, patterns) => {
    const path = await fixtureFile(`labels-${name.replace(/ /g, '-')}`, bytes);

    const error = await datasetError(() => readIdxLabels(path));

    expect(error.code).toBe(code);
    expect(error.message).toContain(path);
    for (const pattern of patterns) {
      expect(error.message).toMatch(pattern);
    }
  });

  it('rejects a truncated gzip stream', async () => {
    const gzipped = gzipSync(idxImagesBytes(20));
    const path = await fixtureFile('cut.gz', gzipped.subarray(0, gzipped.length - 40));

    const error = await datasetError(() => readIdxImages(path));

    expect(error.code).toBe('TRUNCATED');
    expect(error.message).toContain(path);
    expect(error.message).toMatch(/gzip data is truncated/);
  });

  it('rejects corrupt gzip data', async () => {
    const gzipped = Buffer.from(gzipSync(idxImagesBytes(20)));
    gzipped.fill(0xff, 10, 30);
    const path = await fixtureFile('corrupt.gz', gzipped);

    const error = await datasetError(() => readIdxImages(path));

    expect(['BAD_GZIP', 'TRUNCATED']).toContain(error.code);
    expect(error.message).toContain(path);
    expect(error.message).toMatch(/zlib: /);
  });

  it('reports a missing file', async () => {
    const path = join(dir, 'no-such-file');

    const error = await datasetError(() => readIdxLabels(path));

    expect(error.code).toBe('FILE_MISSING');
    expect(error.message).toContain(path);
  });
});

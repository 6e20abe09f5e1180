import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  findDatasetFiles,
  inferKind,
  isOfficial,
  loadDatasetDir,
  OFFICIAL_MD5,
  type FileDigest,
} from './dataset';
import { DatasetError } from './errors';
import {
  cyclicLabels,
  datasetFixtureFiles,
  idxImagesBytes,
  idxLabelsBytes,
  md5Hex,
  writeFiles,
} from './test-fixtures';

let root: string;
let folderCount = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'nin-lab-dataset-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Writes `files` into a new folder under the test root and returns the folder. */
async function folderWith(files: Record<string, Uint8Array>): Promise<string> {
  folderCount += 1;
  const dir = join(root, `case-${folderCount}`);
  await writeFiles(dir, files);
  return dir;
}

async function loadError(dir: string): Promise<DatasetError> {
  const error = await loadDatasetDir(dir, { source: 'imported' }).catch(
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DatasetError);
  return error as DatasetError;
}

describe('loadDatasetDir', () => {
  it('loads a gzipped folder with digests', async () => {
    const files = datasetFixtureFiles(30, 20);
    const dir = await folderWith(files);

    const dataset = await loadDatasetDir(dir, { source: 'imported' });

    expect(dataset.train.count).toBe(30);
    expect(dataset.test.count).toBe(20);
    expect(dataset.train.images.length).toBe(30 * 784);
    expect(Array.from(dataset.test.labels.subarray(0, 12))).toEqual(cyclicLabels(12));
    expect(dataset.identity.kind).toBe('sample');
    expect(dataset.identity.dir).toBe(dir);
    expect(dataset.identity.official).toBe(false);
    for (const [name, bytes] of Object.entries(files)) {
      expect(dataset.identity.files[name].md5).toBe(md5Hex(bytes));
      expect(dataset.identity.files[name].bytes).toBe(bytes.length);
    }
  });

  it('loads plain files and prefers gzip', async () => {
    const dir = await folderWith({
      'train-images-idx3-ubyte': idxImagesBytes(10),
      'train-labels-idx1-ubyte': idxLabelsBytes(cyclicLabels(10)),
      't10k-images-idx3-ubyte': idxImagesBytes(5),
      't10k-labels-idx1-ubyte': idxLabelsBytes(cyclicLabels(5)),
      't10k-labels-idx1-ubyte.gz': gzipSync(idxLabelsBytes(cyclicLabels(5))),
    });

    const names = await findDatasetFiles(dir);
    const dataset = await loadDatasetDir(dir, { kind: 'full', source: 'imported' });

    expect(names.trainImages).toBe('train-images-idx3-ubyte');
    expect(names.testLabels).toBe('t10k-labels-idx1-ubyte.gz');
    expect(dataset.identity.kind).toBe('full');
    expect(Object.keys(dataset.identity.files).sort()).toEqual(Object.values(names).sort());
  });

  it('names missing files', async () => {
    const files = datasetFixtureFiles();
    delete files['t10k-images-idx3-ubyte.gz'];
    const dir = await folderWith(files);

    const error = await loadError(dir);

    expect(error.code).toBe('FILE_MISSING');
    expect(error.message).toContain(dir);
    expect(error.message).toMatch(/missing t10k-images-idx3-ubyte\[\.gz\]/);
  });

  it('reports a missing folder', async () => {
    const dir = join(root, 'does-not-exist');

    const error = await loadError(dir);

    expect(error.code).toBe('FILE_MISSING');
    expect(error.message).toContain(dir);
  });

  it('rejects image and label count mismatch', async () => {
    const files = datasetFixtureFiles(30, 20);
    files['train-labels-idx1-ubyte.gz'] = gzipSync(idxLabelsBytes(cyclicLabels(29)));
    const dir = await folderWith(files);

    const error = await loadError(dir);

    expect(error.code).toBe('COUNT_MISMATCH');
    expect(error.message).toContain(join(dir, 'train-labels-idx1-ubyte.gz'));
    expect(error.message).toContain(join(dir, 'train-images-idx3-ubyte.gz'));
    expect(error.message).toMatch(/expected 30 labels/);
    expect(error.message).toMatch(/found 29/);
  });

  it('names the bad file in a split', async () => {
    const files = datasetFixtureFiles(30, 20);
    files['t10k-labels-idx1-ubyte.gz'] = gzipSync(idxLabelsBytes([...cyclicLabels(19), 10]));
    const dir = await folderWith(files);

    const error = await loadError(dir);

    expect(error.code).toBe('BAD_LABEL');
    expect(error.file).toBe(join(dir, 't10k-labels-idx1-ubyte.gz'));
    expect(error.message).toMatch(/found 10 at index 19/);
  });
});

describe('dataset identity helpers', () => {
  const digest = (md5: string): FileDigest => ({ md5, sha256: '0'.repeat(64), bytes: 1 });

  it('isOfficial requires all four published sums', () => {
    const official = Object.fromEntries(
      Object.entries(OFFICIAL_MD5).map(([name, md5]) => [name, digest(md5)]),
    );
    const oneWrong = { ...official, 'train-labels-idx1-ubyte.gz': digest('0'.repeat(32)) };
    const missingOne = { ...official };
    delete missingOne['t10k-images-idx3-ubyte.gz'];

    expect(isOfficial(official)).toBe(true);
    expect(isOfficial(oneWrong)).toBe(false);
    expect(isOfficial(missingOne)).toBe(false);
  });

  it('inferKind recognizes the full counts only', () => {
    expect(inferKind(60_000, 10_000)).toBe('full');
    expect(inferKind(5_000, 500)).toBe('sample');
    expect(inferKind(60_000, 9_999)).toBe('sample');
  });
});

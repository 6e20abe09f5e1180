import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLASS_COUNT } from '../../../src-shared/classes';
import { DatasetCache, RESOURCES_ENV, resolveResourcesDir } from './cache';
import { loadDatasetDir, type Split } from './dataset';

const REPO_RESOURCES = resolve(fileURLToPath(new URL('../../../resources/', import.meta.url)));
const SHARED_DATASET = fileURLToPath(
  new URL('../../../../shared/datasets/fashion-mnist/', import.meta.url),
);

function classCounts(split: Split): number[] {
  const counts = new Array<number>(CLASS_COUNT).fill(0);
  for (const label of split.labels) {
    counts[label] += 1;
  }
  return counts;
}

describe('bundled sample', () => {
  const savedEnv = process.env[RESOURCES_ENV];

  afterEach(() => {
    if (savedEnv === undefined) {
      delete process.env[RESOURCES_ENV];
    } else {
      process.env[RESOURCES_ENV] = savedEnv;
    }
  });

  it('loads with balanced classes', async () => {
    delete process.env[RESOURCES_ENV];
    const cache = new DatasetCache('/nonexistent-data-dir');

    const dataset = await cache.load('sample');

    expect(dataset.identity).toMatchObject({
      kind: 'sample',
      source: 'bundled',
      trainCount: 5000,
      testCount: 500,
      official: false,
      dir: join(REPO_RESOURCES, 'fashion-mnist-sample'),
    });
    expect(classCounts(dataset.train)).toEqual(new Array(CLASS_COUNT).fill(500));
    expect(classCounts(dataset.test)).toEqual(new Array(CLASS_COUNT).fill(50));
  });

  it('reports present in status', async () => {
    delete process.env[RESOURCES_ENV];

    const status = await new DatasetCache('/nonexistent-data-dir').status();

    expect(status.sample).toMatchObject({ present: true, trainCount: 5000, testCount: 500 });
    expect(status.full).toBeNull();
  });

  it('starts with the first source image', async () => {
    const sample = await new DatasetCache('/nonexistent-data-dir', {
      resourcesDir: REPO_RESOURCES,
    }).load('sample');
    const source = await loadDatasetDir(SHARED_DATASET, { source: 'imported' });

    expect(Buffer.from(sample.train.images.subarray(0, 784))).toEqual(
      Buffer.from(source.train.images.subarray(0, 784)),
    );
    expect(sample.train.labels[0]).toBe(source.train.labels[0]);
    expect(Buffer.from(sample.test.images.subarray(0, 784))).toEqual(
      Buffer.from(source.test.images.subarray(0, 784)),
    );
  });

  it('resolves resources from option, variable, then repository', () => {
    process.env[RESOURCES_ENV] = '/opt/nin-lab/resources';

    expect(resolveResourcesDir('/from/option')).toBe('/from/option');
    expect(resolveResourcesDir()).toBe('/opt/nin-lab/resources');
    delete process.env[RESOURCES_ENV];
    expect(resolveResourcesDir()).toBe(REPO_RESOURCES);
  });
});

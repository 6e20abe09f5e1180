// The dataset side of the lab: status, download with progress and cancel, import, example
// images and test labels. Wraps the DatasetCache of the data folder.
import {
  DatasetCache,
  type DatasetStatus as CacheStatus,
  type DatasetSummary as CacheSummary,
  type DownloadOptions,
} from '../core/data/cache';
import { OFFICIAL_MD5, type Dataset, type DatasetIdentity } from '../core/data/dataset';
import type { DownloadProgress as CacheProgress } from '../core/data/download';
import type {
  DataKind,
  DatasetEntry,
  DatasetStatus,
  DownloadProgress,
  DownloadResult,
  ExamplesResult,
  ParsedRequestOf,
} from '../../src-shared/contract';
import { LabError } from './errors';

/**
 * Approximate sizes of the four gzipped files in bytes, used only to weight the overall
 * progress fraction (the training images are 99% of the download). Estimates, not checks.
 */
const APPROXIMATE_FILE_BYTES: Record<string, number> = {
  'train-images-idx3-ubyte.gz': 26_300_000,
  'train-labels-idx1-ubyte.gz': 29_000,
  't10k-images-idx3-ubyte.gz': 4_400_000,
  't10k-labels-idx1-ubyte.gz': 5_000,
};

/** Download settings tests override to use a local server; the app uses the defaults. */
export type DownloadSource = Pick<DownloadOptions, 'mirrors' | 'expectedMd5' | 'stallTimeoutMs'>;

export class DatasetService {
  readonly cache: DatasetCache;
  private download: AbortController | null = null;
  private readonly loaded = new Map<DataKind, Promise<Dataset>>();

  constructor(
    dataDir: string,
    resourcesDir: string | undefined,
    private readonly source: DownloadSource = {},
  ) {
    this.cache = new DatasetCache(dataDir, { resourcesDir });
  }

  get downloading(): boolean {
    return this.download !== null;
  }

  /** Reports both datasets; `preferred` is the data setting, used when its dataset is there. */
  async status(preferred: DataKind): Promise<DatasetStatus> {
    const status: CacheStatus = await this.cache.status();
    const full = toEntry(status.full);
    return {
      sample: toEntry(status.sample),
      full,
      inUse: preferred === 'full' && full.available ? 'full' : 'sample',
      downloading: this.downloading,
    };
  }

  /** Downloads the full set; rejects with BUSY while another download runs. */
  async downloadFull(
    onProgress: (progress: DownloadProgress) => void,
  ): Promise<DownloadResult['checksums']> {
    if (this.download !== null) {
      throw new LabError('BUSY', 'A download is already running. Wait for it or cancel it first.');
    }
    const controller = new AbortController();
    this.download = controller;
    try {
      const identity = await this.cache.download({
        ...this.source,
        signal: controller.signal,
        onProgress: (progress) => onProgress(toProgress(progress)),
      });
      this.loaded.delete('full');
      return checksumsOf(identity, this.source.expectedMd5 ?? OFFICIAL_MD5);
    } finally {
      this.download = null;
    }
  }

  /** Aborts the running download; returns false when none was running. */
  cancelDownload(): boolean {
    if (this.download === null) {
      return false;
    }
    this.download.abort();
    return true;
  }

  async importDir(dir: string): Promise<void> {
    await this.cache.importDir(dir);
    this.loaded.delete('full');
  }

  /** Loads a dataset once and keeps it in memory (the full set is about 55 MB of bytes). */
  load(kind: DataKind): Promise<Dataset> {
    let dataset = this.loaded.get(kind);
    if (dataset === undefined) {
      dataset = this.cache.load(kind);
      dataset.catch(() => this.loaded.delete(kind));
      this.loaded.set(kind, dataset);
    }
    return dataset;
  }

  async examples(
    request: ParsedRequestOf<'dataset.examples'>,
    kind: DataKind,
  ): Promise<ExamplesResult> {
    const split = (await this.load(kind))[request.split];
    const start = request.start ?? 0;
    if (start >= split.count) {
      throw new LabError(
        'INVALID_REQUEST',
        `Invalid dataset.examples request: start ${start} is past the ${request.split} split's ${split.count} images.`,
        { path: 'start', count: split.count },
      );
    }

    const end = Math.min(split.count, start + request.count);
    const examples = [];
    for (let index = start; index < end; index += 1) {
      const pixels = split.images.subarray(index * 784, (index + 1) * 784);
      examples.push({
        index,
        label: split.labels[index],
        pixelsBase64: Buffer.from(pixels).toString('base64'),
      });
    }
    return { data: kind, split: request.split, width: 28, height: 28, examples };
  }

  /** Returns the labels of test images; rejects indices past the test split with their value. */
  async testLabels(kind: DataKind, indices: readonly number[]): Promise<number[]> {
    const test = (await this.load(kind)).test;
    const outside = indices.find((index) => index >= test.count);
    if (outside !== undefined) {
      throw new LabError(
        'INVALID_REQUEST',
        `Test index ${outside} is out of range: the ${kind} test split has ${test.count} images (0-${test.count - 1}).`,
        { path: 'testIndices', count: test.count },
      );
    }
    return indices.map((index) => test.labels[index]);
  }
}

function toEntry(summary: CacheSummary | null): DatasetEntry {
  if (summary === null) {
    return {
      available: false,
      source: null,
      official: false,
      trainCount: 0,
      testCount: 0,
      problem: null,
    };
  }
  if (!summary.present) {
    return {
      available: false,
      source: null,
      official: false,
      trainCount: 0,
      testCount: 0,
      problem: summary.problem,
    };
  }
  const { source, official, trainCount, testCount } = summary;
  return { available: true, source, official, trainCount, testCount, problem: null };
}

function toProgress(progress: CacheProgress): DownloadProgress {
  const names = Object.keys(APPROXIMATE_FILE_BYTES);
  const weight = (name: string) => APPROXIMATE_FILE_BYTES[name] ?? 0;
  const total = names.reduce((sum, name) => sum + weight(name), 0);
  const done = names.slice(0, progress.fileIndex).reduce((sum, name) => sum + weight(name), 0);
  const fileBytes = progress.totalBytes ?? weight(progress.file);
  const current =
    fileBytes > 0 ? Math.min(1, progress.receivedBytes / fileBytes) * weight(progress.file) : 0;
  return {
    file: progress.file,
    fileIndex: progress.fileIndex,
    fileCount: progress.fileCount,
    receivedBytes: progress.receivedBytes,
    totalBytes: progress.totalBytes ?? null,
    fraction: Math.min(1, (done + current) / total),
  };
}

function checksumsOf(
  identity: DatasetIdentity,
  expected: Readonly<Record<string, string>>,
): DownloadResult['checksums'] {
  return Object.entries(identity.files).map(([file, digest]) => ({
    file,
    md5: digest.md5,
    ok: expected[file] === digest.md5,
  }));
}

// The app's dataset cache: the full dataset in `<dataDir>/fashion-mnist/` (downloaded or
// imported) and the bundled sample in `resources/fashion-mnist-sample/`. Each folder contains
// the four IDX files and a `dataset.json` record of their identity. New content is built in
// a temporary folder beside the cache and renamed into place, so a failed download or
// import leaves the previous cache as it was.
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  DATASET_FILES,
  digestBytes,
  loadDatasetDir,
  OFFICIAL_MD5,
  type Dataset,
  type DatasetIdentity,
  type DatasetKind,
  type DatasetSource,
} from './dataset';
import {
  DEFAULT_STALL_TIMEOUT_MS,
  downloadFromMirrors,
  FASHION_MNIST_MIRRORS,
  type DownloadProgress,
} from './download';
import { DatasetError, FIX_FILES_HINT } from './errors';

/** Folder name of the full dataset inside the data folder. */
export const FULL_DATASET_FOLDER = 'fashion-mnist';
/** Folder name of the bundled sample inside the resources folder. */
export const SAMPLE_DATASET_FOLDER = 'fashion-mnist-sample';
/** Name of the identity record in a dataset folder. */
export const DATASET_RECORD_FILE = 'dataset.json';
/** Environment variable that overrides the resources folder (for packaged apps). */
export const RESOURCES_ENV = 'NIN_LAB_RESOURCES';

const TEMP_PREFIX = '.fashion-mnist-tmp-';

const fileDigestSchema = z.object({
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  md5: z.string().regex(/^[0-9a-f]{32}$/),
  bytes: z.number().int().nonnegative(),
});

/** `dataset.json`: a DatasetIdentity without `dir`, which is wherever the folder is. */
const datasetRecordSchema = z.object({
  format: z.literal(1),
  kind: z.enum(['sample', 'full']),
  source: z.enum(['bundled', 'downloaded', 'imported']),
  files: z.record(z.string(), fileDigestSchema),
  trainCount: z.number().int().positive(),
  testCount: z.number().int().positive(),
  official: z.boolean(),
});

/** Contents of a `dataset.json` file. */
export type DatasetRecord = z.infer<typeof datasetRecordSchema>;

/** State of one dataset folder, as `status()` reports it. */
export type DatasetSummary =
  | {
      present: true;
      dir: string;
      kind: DatasetKind;
      source: DatasetSource;
      official: boolean;
      trainCount: number;
      testCount: number;
    }
  | { present: false; dir: string; problem: string };

/** State of the cache: `full` is null when nothing was ever downloaded or imported. */
export interface DatasetStatus {
  full: DatasetSummary | null;
  sample: DatasetSummary;
}

/** Options of `DatasetCache.download`. */
export interface DownloadOptions {
  /** Called after every received chunk. */
  onProgress?(progress: DownloadProgress): void;
  signal?: AbortSignal;
  /** Base URLs to try in order; defaults to FASHION_MNIST_MIRRORS. */
  mirrors?: readonly string[];
  /** MD5 per file name; defaults to OFFICIAL_MD5 (tests pass their fixtures' sums). */
  expectedMd5?: Readonly<Record<string, string>>;
  /** Milliseconds without data before a mirror is abandoned; defaults to 30 s. */
  stallTimeoutMs?: number;
}

/** Options of the DatasetCache constructor. */
export interface DatasetCacheOptions {
  /** Folder that contains `fashion-mnist-sample/`; defaults to $NIN_LAB_RESOURCES, then the repository's `resources/`. */
  resourcesDir?: string;
}

/** Returns the resources folder: the option, then $NIN_LAB_RESOURCES, then `resources/` of this repository. */
export function resolveResourcesDir(option?: string): string {
  const fromEnv = process.env[RESOURCES_ENV];
  if (option !== undefined) {
    return resolve(option);
  }
  if (fromEnv !== undefined && fromEnv !== '') {
    return resolve(fromEnv);
  }
  // This file is src-main/core/data/cache.ts, three levels below the repository root. A
  // bundled main process moves it, so packaged apps must set the option or the variable.
  return resolve(fileURLToPath(new URL('../../../resources/', import.meta.url)));
}

/** Reads and validates a folder's `dataset.json`; returns null when the file does not exist. */
export async function readDatasetRecord(dir: string): Promise<DatasetRecord | null> {
  const path = join(dir, DATASET_RECORD_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return null;
    }
    throw error;
  }

  let parsed: ReturnType<typeof datasetRecordSchema.safeParse>;
  try {
    parsed = datasetRecordSchema.safeParse(JSON.parse(text));
  } catch (error) {
    throw corruptRecord(path, (error as Error).message);
  }
  if (!parsed.success) {
    throw corruptRecord(path, z.prettifyError(parsed.error));
  }
  return parsed.data;
}

function corruptRecord(path: string, reason: string): DatasetError {
  return new DatasetError(
    'CACHE_CORRUPT',
    `${path}: invalid dataset record (${reason}). ${FIX_FILES_HINT}`,
    path,
  );
}

/** Writes `identity` as the folder's `dataset.json`. */
export async function writeDatasetRecord(dir: string, identity: DatasetIdentity): Promise<void> {
  const record: DatasetRecord = {
    format: 1,
    kind: identity.kind,
    source: identity.source,
    files: identity.files,
    trainCount: identity.trainCount,
    testCount: identity.testCount,
    official: identity.official,
  };
  await writeFile(join(dir, DATASET_RECORD_FILE), `${JSON.stringify(record, null, 2)}\n`);
}

/**
 * The dataset cache of one data folder. Downloads and imports into one cache object run one
 * at a time; a second call while one runs is rejected with code BUSY.
 * NOTE: two processes that share a data folder are not coordinated; the last rename wins.
 */
export class DatasetCache {
  /** Folder of the full dataset. */
  readonly fullDir: string;
  /** Folder of the bundled sample. */
  readonly sampleDir: string;
  private busy = false;

  constructor(
    readonly dataDir: string,
    options: DatasetCacheOptions = {},
  ) {
    this.fullDir = join(resolve(dataDir), FULL_DATASET_FOLDER);
    this.sampleDir = join(resolveResourcesDir(options.resourcesDir), SAMPLE_DATASET_FOLDER);
  }

  /** Reports which datasets are present, from their records and file sizes (no hashing). */
  async status(): Promise<DatasetStatus> {
    const full = await summarize(this.fullDir);
    const sample = await summarize(this.sampleDir);
    return {
      full,
      sample: sample ?? {
        present: false,
        dir: this.sampleDir,
        problem:
          `${this.sampleDir}: bundled sample not found. Reinstall NiN Lab, or set ` +
          `${RESOURCES_ENV} to the folder that contains ${SAMPLE_DATASET_FOLDER}/.`,
      },
    };
  }

  /**
   * Loads a dataset: 'sample' (bundled), 'full' (the cache) or any other string as the path
   * of a dataset folder. Cached files are checked against the SHA-256s in their record.
   */
  async load(choice: 'sample' | 'full' | string): Promise<Dataset> {
    if (choice === 'sample') {
      return loadRecorded(this.sampleDir, { kind: 'sample', source: 'bundled' });
    }
    if (choice === 'full') {
      return loadRecorded(this.fullDir, null);
    }
    return loadDatasetDir(choice, { source: 'imported' });
  }

  /**
   * Downloads the four official files into the cache, replacing its contents only when all
   * four arrive and pass their checks. Rejects with a DatasetError (code ABORTED on `signal`).
   */
  async download(options: DownloadOptions = {}): Promise<DatasetIdentity> {
    const mirrors = options.mirrors ?? FASHION_MNIST_MIRRORS;
    if (mirrors.length === 0) {
      throw new RangeError('DatasetCache.download: expected at least one mirror, found none.');
    }
    const expectedMd5 = options.expectedMd5 ?? OFFICIAL_MD5;
    const fileNames = Object.values(DATASET_FILES).map((base) => `${base}.gz`);
    const withoutMd5 = fileNames.filter((name) => !/^[0-9a-f]{32}$/.test(expectedMd5[name] ?? ''));
    if (withoutMd5.length > 0) {
      throw new RangeError(
        `DatasetCache.download: expected an MD5 (32 hex digits) for ${withoutMd5.join(', ')}.`,
      );
    }

    return this.exclusive(() =>
      this.replaceWith(async (staging) => {
        for (const [fileIndex, fileName] of fileNames.entries()) {
          if (options.signal?.aborted) {
            throw new DatasetError(
              'ABORTED',
              `Download cancelled before ${fileName}; the cache was left unchanged.`,
              fileName,
            );
          }
          await downloadFromMirrors({
            fileName,
            destDir: staging,
            mirrors,
            expectedMd5: expectedMd5[fileName],
            fileIndex,
            fileCount: fileNames.length,
            stallTimeoutMs: options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS,
            onProgress: options.onProgress,
            signal: options.signal,
          });
        }
        return (await loadDatasetDir(staging, { source: 'downloaded' })).identity;
      }),
    );
  }

  /**
   * Validates the dataset folder `dir` and copies its four files into the cache, replacing
   * what it held. Files whose MD5s are not the published ones are accepted with official=false.
   */
  async importDir(dir: string): Promise<DatasetIdentity> {
    return this.exclusive(async () => {
      const { identity: source } = await loadDatasetDir(dir, { source: 'imported' });

      return this.replaceWith(async (staging) => {
        for (const [name, expected] of Object.entries(source.files)) {
          await copyVerified(join(source.dir, name), join(staging, name), expected.sha256);
        }
        return source;
      });
    });
  }

  /** Runs `work` unless another download or import of this cache is running. */
  private async exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (this.busy) {
      throw new DatasetError(
        'BUSY',
        `${this.fullDir}: another download or import is still running. Wait for it to ` +
          'finish or cancel it, then try again.',
        this.fullDir,
      );
    }
    this.busy = true;
    try {
      return await work();
    } finally {
      this.busy = false;
    }
  }

  /**
   * Runs `fill` on a new temporary folder beside the cache, then writes its record and swaps
   * it in as the cache. Any failure removes the temporary folder and keeps the old cache.
   */
  private async replaceWith(
    fill: (staging: string) => Promise<DatasetIdentity>,
  ): Promise<DatasetIdentity> {
    const parent = resolve(this.dataDir);
    await mkdir(parent, { recursive: true });
    const staging = await mkdtemp(join(parent, TEMP_PREFIX));
    try {
      const identity = { ...(await fill(staging)), dir: this.fullDir };
      await writeDatasetRecord(staging, identity);
      await swapIn(staging, this.fullDir);
      return identity;
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      throw error;
    }
  }
}

/** Copies `source` to `target` and checks the copy's SHA-256 against the validated source's. */
async function copyVerified(source: string, target: string, sha256: string): Promise<void> {
  await copyFile(source, target);
  const copied = digestBytes(await readFile(target));
  if (copied.sha256 !== sha256) {
    throw new DatasetError(
      'CACHE_CORRUPT',
      `${source}: file changed while it was imported (expected SHA-256 ${sha256}, found ` +
        `${copied.sha256} in the copy). Import the folder again.`,
      source,
    );
  }
}

/** Renames `staging` to `target`, keeping the old `target` until the new one is in place. */
async function swapIn(staging: string, target: string): Promise<void> {
  const backup = `${staging}-previous`;
  let hadPrevious = true;
  try {
    await rename(target, backup);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw error;
    }
    hadPrevious = false;
  }

  try {
    await rename(staging, target);
  } catch (error) {
    if (hadPrevious) {
      await rename(backup, target);
    }
    throw error;
  }
  if (hadPrevious) {
    await rm(backup, { recursive: true, force: true });
  }
}

/** Summarizes a dataset folder from its record; null when it has no record. */
async function summarize(dir: string): Promise<DatasetSummary | null> {
  let record: DatasetRecord | null;
  try {
    record = await readDatasetRecord(dir);
  } catch (error) {
    return { present: false, dir, problem: (error as Error).message };
  }
  if (record === null) {
    return null;
  }

  for (const [name, digest] of Object.entries(record.files)) {
    const size = await fileSize(join(dir, name));
    if (size !== digest.bytes) {
      const found = size === null ? 'no file' : `${size} bytes`;
      return {
        present: false,
        dir,
        problem: `${join(dir, name)}: expected ${digest.bytes} bytes, found ${found}. ${FIX_FILES_HINT}`,
      };
    }
  }
  const { kind, source, official, trainCount, testCount } = record;
  return { present: true, dir, kind, source, official, trainCount, testCount };
}

async function fileSize(path: string): Promise<number | null> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return null;
    }
    throw error;
  }
}

/**
 * Loads a recorded folder and checks its files against the record. `fallback` is the origin
 * to use when the folder has no record; null makes a missing record a NOT_CACHED error.
 */
async function loadRecorded(
  dir: string,
  fallback: { kind: DatasetKind; source: DatasetSource } | null,
): Promise<Dataset> {
  const record = await readDatasetRecord(dir);
  if (record === null && fallback === null) {
    throw new DatasetError(
      'NOT_CACHED',
      `${dir}: no full Fashion-MNIST dataset is cached yet. Download it with ` +
        '`nin-lab data download`, or import a folder with `nin-lab data import DIR`.',
      dir,
    );
  }

  const dataset = await loadDatasetDir(dir, record ?? fallback!);
  if (record !== null) {
    checkAgainstRecord(dataset.identity, record);
  }
  return dataset;
}

function checkAgainstRecord(identity: DatasetIdentity, record: DatasetRecord): void {
  for (const [name, recorded] of Object.entries(record.files)) {
    const actual = identity.files[name];
    if (actual?.sha256 !== recorded.sha256) {
      const path = join(identity.dir, name);
      throw new DatasetError(
        'CACHE_CORRUPT',
        `${path}: expected SHA-256 ${recorded.sha256} (recorded in ${DATASET_RECORD_FILE}), ` +
          `found ${actual?.sha256 ?? 'no such file'}. ${FIX_FILES_HINT}`,
        path,
      );
    }
  }
}

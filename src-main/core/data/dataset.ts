// A Fashion-MNIST dataset folder: the four IDX files (gzipped or not), validated together.
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DatasetError, FIX_FILES_HINT } from './errors';
import { gunzipIfNeeded, parseIdxImages, parseIdxLabels, readIdxBytes } from './idx';

/** Standard file names of the four dataset files, without the optional `.gz`. */
export const DATASET_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** Role of a file in a dataset folder. */
export type DatasetFileRole = keyof typeof DATASET_FILES;

/** MD5 sums of the four gzipped files as published by Zalando Research. */
export const OFFICIAL_MD5: Readonly<Record<string, string>> = {
  'train-images-idx3-ubyte.gz': '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
  'train-labels-idx1-ubyte.gz': '25c81989df183df01b3e8a0aad5dffbe',
  't10k-images-idx3-ubyte.gz': 'bef4ecab320f06d8554ea6380940ec79',
  't10k-labels-idx1-ubyte.gz': 'bb300cfdad3c16e7a12a480ee83cd310',
};

/** Image counts of the full dataset's splits. */
export const FULL_TRAIN_COUNT = 60_000;
export const FULL_TEST_COUNT = 10_000;

/** One split of the dataset. */
export interface Split {
  /** `count` images of 28x28 grey bytes (0-255), row-major, image after image. */
  images: Uint8Array;
  /** Class labels 0-9, one per image. */
  labels: Uint8Array;
  count: number;
}

/** Size and checksums of one file as stored on disk (compressed bytes when gzipped). */
export interface FileDigest {
  sha256: string;
  md5: string;
  bytes: number;
}

/** Whether a dataset is the bundled sample or the full 60,000/10,000 set. */
export type DatasetKind = 'sample' | 'full';

/** Origin of a dataset: bundled with the app, downloaded, or imported from a folder. */
export type DatasetSource = 'bundled' | 'downloaded' | 'imported';

/** Identity of a loaded dataset: where it is, what it contains and whether it is official. */
export interface DatasetIdentity {
  kind: DatasetKind;
  source: DatasetSource;
  /** Absolute path of the folder that contains the files. */
  dir: string;
  /** Digest of each file, keyed by file name (for example `train-images-idx3-ubyte.gz`). */
  files: Record<string, FileDigest>;
  trainCount: number;
  testCount: number;
  /** True when all four files' MD5 sums equal the published ones (OFFICIAL_MD5). */
  official: boolean;
}

/** A loaded dataset: both splits in memory as bytes, plus its identity. */
export interface Dataset {
  train: Split;
  test: Split;
  identity: DatasetIdentity;
}

/** Kind and source of a folder to load; `kind` is inferred from the counts when omitted. */
export interface DatasetOrigin {
  kind?: DatasetKind;
  source: DatasetSource;
}

/**
 * Finds the four dataset files in `dir` and returns their names by role. A gzipped file
 * (`NAME.gz`) is preferred over a plain one (`NAME`) when both exist.
 */
export async function findDatasetFiles(dir: string): Promise<Record<DatasetFileRole, string>> {
  let entries: Set<string>;
  try {
    entries = new Set(await readdir(dir));
  } catch (error) {
    throw new DatasetError(
      'FILE_MISSING',
      `${dir}: dataset folder not found or not readable (${(error as Error).message}). ` +
        'Check the path; it must contain the four Fashion-MNIST IDX files.',
      dir,
      { cause: error },
    );
  }

  const found: Partial<Record<DatasetFileRole, string>> = {};
  const missing: string[] = [];
  for (const [role, base] of Object.entries(DATASET_FILES) as Array<[DatasetFileRole, string]>) {
    const name = [`${base}.gz`, base].find((candidate) => entries.has(candidate));
    if (name === undefined) {
      missing.push(`${base}[.gz]`);
    } else {
      found[role] = name;
    }
  }
  if (missing.length > 0) {
    throw new DatasetError(
      'FILE_MISSING',
      `${dir}: missing ${missing.join(', ')}. A dataset folder must contain ` +
        `${Object.values(DATASET_FILES).join(', ')} (each gzipped as .gz or not). ` +
        FIX_FILES_HINT,
      dir,
    );
  }
  return found as Record<DatasetFileRole, string>;
}

/** Computes the SHA-256, MD5 and size of `bytes`. */
export function digestBytes(bytes: Uint8Array): FileDigest {
  return {
    sha256: createHash('sha256').update(bytes).digest('hex'),
    md5: createHash('md5').update(bytes).digest('hex'),
    bytes: bytes.length,
  };
}

/**
 * Returns true when `files` contains the four published gzipped files with their published MD5s.
 * Uncompressed files are never official, because only the gzipped files' sums are published.
 */
export function isOfficial(files: Record<string, FileDigest>): boolean {
  return Object.entries(OFFICIAL_MD5).every(([name, md5]) => files[name]?.md5 === md5);
}

/** Returns 'full' for 60,000 training and 10,000 test images, 'sample' for anything else. */
export function inferKind(trainCount: number, testCount: number): DatasetKind {
  return trainCount === FULL_TRAIN_COUNT && testCount === FULL_TEST_COUNT ? 'full' : 'sample';
}

/**
 * Reads, validates and loads the dataset in `dir`: every header field, every label, and
 * matching image and label counts per split. Throws a DatasetError naming the bad file.
 */
export async function loadDatasetDir(dir: string, origin: DatasetOrigin): Promise<Dataset> {
  const absoluteDir = resolve(dir);
  const names = await findDatasetFiles(absoluteDir);
  const files: Record<string, FileDigest> = {};

  const train = await loadSplit(absoluteDir, names.trainImages, names.trainLabels, files);
  const test = await loadSplit(absoluteDir, names.testImages, names.testLabels, files);

  const identity: DatasetIdentity = {
    kind: origin.kind ?? inferKind(train.count, test.count),
    source: origin.source,
    dir: absoluteDir,
    files,
    trainCount: train.count,
    testCount: test.count,
    official: isOfficial(files),
  };
  return { train, test, identity };
}

async function loadSplit(
  dir: string,
  imagesName: string,
  labelsName: string,
  files: Record<string, FileDigest>,
): Promise<Split> {
  const imagesPath = join(dir, imagesName);
  const labelsPath = join(dir, labelsName);
  const [imageBytes, labelBytes] = await Promise.all([
    readIdxBytes(imagesPath),
    readIdxBytes(labelsPath),
  ]);
  files[imagesName] = digestBytes(imageBytes);
  files[labelsName] = digestBytes(labelBytes);

  const { images, count } = parseIdxImages(
    await gunzipIfNeeded(imageBytes, imagesPath),
    imagesPath,
  );
  const { labels } = parseIdxLabels(await gunzipIfNeeded(labelBytes, labelsPath), labelsPath);
  if (labels.length !== count) {
    throw new DatasetError(
      'COUNT_MISMATCH',
      `${labelsPath}: expected ${count} labels to match the ${count} images in ` +
        `${imagesPath}, found ${labels.length}. ${FIX_FILES_HINT}`,
      labelsPath,
    );
  }
  return { images, labels, count };
}

// Small IDX fixtures for the data layer's tests. The bytes are written field by field with
// Buffer, independently of idx.ts's encoders, so a bug in the encoder cannot hide a bug in
// the parser.
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** Options for a hand-built IDX images file. */
export interface ImagesFixtureOptions {
  magic?: number;
  rows?: number;
  cols?: number;
  /** Count written in the header; defaults to the real count. */
  headerCount?: number;
  /** Bytes appended after the data. */
  extraBytes?: number;
  /** Bytes cut from the end. */
  missingBytes?: number;
}

/** Builds raw (not gzipped) IDX image bytes; pixel i of image n is (n * 7 + i) mod 256. */
export function idxImagesBytes(count: number, options: ImagesFixtureOptions = {}): Buffer {
  const rows = options.rows ?? 28;
  const cols = options.cols ?? 28;
  const header = Buffer.alloc(16);
  header.writeUInt32BE(options.magic ?? 2051, 0);
  header.writeUInt32BE(options.headerCount ?? count, 4);
  header.writeUInt32BE(rows, 8);
  header.writeUInt32BE(cols, 12);

  const data = Buffer.alloc(count * rows * cols + (options.extraBytes ?? 0));
  for (let n = 0; n < count; n += 1) {
    for (let i = 0; i < rows * cols; i += 1) {
      data[n * rows * cols + i] = (n * 7 + i) % 256;
    }
  }
  const bytes = Buffer.concat([header, data]);
  return bytes.subarray(0, bytes.length - (options.missingBytes ?? 0));
}

/** Builds raw (not gzipped) IDX label bytes. */
export function idxLabelsBytes(
  labels: readonly number[],
  options: { magic?: number; headerCount?: number } = {},
): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(options.magic ?? 2049, 0);
  header.writeUInt32BE(options.headerCount ?? labels.length, 4);
  return Buffer.concat([header, Buffer.from(labels)]);
}

/** Labels 0, 1, ..., 9, 0, 1, ... of length `count`. */
export function cyclicLabels(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i % 10);
}

/** Builds the four gzipped files of a tiny dataset, keyed by their standard file names. */
export function datasetFixtureFiles(trainCount = 30, testCount = 20): Record<string, Buffer> {
  return {
    'train-images-idx3-ubyte.gz': gzipSync(idxImagesBytes(trainCount)),
    'train-labels-idx1-ubyte.gz': gzipSync(idxLabelsBytes(cyclicLabels(trainCount))),
    't10k-images-idx3-ubyte.gz': gzipSync(idxImagesBytes(testCount)),
    't10k-labels-idx1-ubyte.gz': gzipSync(idxLabelsBytes(cyclicLabels(testCount))),
  };
}

/** Writes `files` (name to bytes) into `dir`, creating it. */
export async function writeFiles(dir: string, files: Record<string, Uint8Array>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) {
    await writeFile(join(dir, name), bytes);
  }
}

/** MD5 of `bytes` as lowercase hex. */
export function md5Hex(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

// IDX file parsing for Fashion-MNIST. Format (big-endian): a 4-byte magic number
// 0x0000 <type 0x08 = unsigned byte> <number of dimensions>, one uint32 per dimension, then
// the data, row-major. Files may be gzipped; gzip is detected by content, not by name.
import { readFile, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { CLASS_COUNT } from '../../../src-shared/classes';
import { DatasetError, FIX_FILES_HINT } from './errors';

/** Magic number of an IDX file of unsigned bytes with 3 dimensions (images). */
export const IMAGE_MAGIC = 2051;
/** Magic number of an IDX file of unsigned bytes with 1 dimension (labels). */
export const LABEL_MAGIC = 2049;
/** Image height in pixels. */
export const IMAGE_ROWS = 28;
/** Image width in pixels. */
export const IMAGE_COLS = 28;
/** Pixels (bytes) per image. */
export const IMAGE_PIXELS = IMAGE_ROWS * IMAGE_COLS;
/** Header bytes of an image file: magic, count, rows, cols. */
export const IMAGE_HEADER_BYTES = 16;
/** Header bytes of a label file: magic, count. */
export const LABEL_HEADER_BYTES = 8;
/** Largest IDX file accepted, compressed or gunzipped: 256 MiB (the full training set is 47 MB). */
export const MAX_IDX_BYTES = 256 * 1024 * 1024;

const GZIP_MAGIC = [0x1f, 0x8b];

const gunzipAsync = promisify(gunzip);
const gzipAsync = promisify(gzip);

/** Images of one IDX file: `count` images of 28x28 bytes, row-major. */
export interface IdxImages {
  images: Uint8Array;
  count: number;
}

/** Labels of one IDX file, each 0-9. */
export interface IdxLabels {
  labels: Uint8Array;
  count: number;
}

/** Returns true when `bytes` start with the gzip magic bytes 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
}

/** Returns true when `bytes` start like an HTML or XML document (after whitespace or a BOM). */
export function looksLikeMarkup(bytes: Uint8Array): boolean {
  const head = new TextDecoder('utf-8', { fatal: false })
    .decode(bytes.subarray(0, 256))
    .replace(/^\uFEFF/, '')
    .trimStart()
    .toLowerCase();
  return head.startsWith('<!doctype') || head.startsWith('<html') || head.startsWith('<?xml');
}

/** Formats the first bytes of a file as hex and printable text, for error messages. */
export function describeBytes(bytes: Uint8Array, count = 8): string {
  const head = bytes.subarray(0, count);
  const hex = Array.from(head, (byte) => byte.toString(16).padStart(2, '0')).join(' ');
  const text = Array.from(head, (byte) =>
    byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '.',
  ).join('');
  return head.length === 0 ? '(empty)' : `${hex} ("${text}")`;
}

/** Gunzips `bytes` when they start with the gzip magic bytes; returns other bytes unchanged. */
export async function gunzipIfNeeded(bytes: Uint8Array, file: string): Promise<Uint8Array> {
  if (!isGzip(bytes)) {
    return bytes;
  }
  try {
    return await gunzipAsync(bytes, { maxOutputLength: MAX_IDX_BYTES });
  } catch (error) {
    throw gunzipError(error, file);
  }
}

function gunzipError(error: unknown, file: string): DatasetError {
  const code = (error as { code?: string }).code;
  const reason = error instanceof Error ? error.message : String(error);
  if (code === 'ERR_BUFFER_TOO_LARGE') {
    return new DatasetError(
      'TOO_LARGE',
      `${file}: gunzipped content is larger than the ${MAX_IDX_BYTES} bytes allowed for an ` +
        `IDX file, so it is not a Fashion-MNIST file. ${FIX_FILES_HINT}`,
      file,
      { cause: error },
    );
  }
  // zlib reports a stream that ends early as Z_BUF_ERROR ("unexpected end of file").
  const truncated = code === 'Z_BUF_ERROR';
  return new DatasetError(
    truncated ? 'TRUNCATED' : 'BAD_GZIP',
    `${file}: gzip data is ${truncated ? 'truncated' : 'corrupt'} (zlib: ${reason}). ${FIX_FILES_HINT}`,
    file,
    { cause: error },
  );
}

/** Parses IDX image bytes (already gunzipped), validating every header field and the length. */
export function parseIdxImages(bytes: Uint8Array, file: string): IdxImages {
  checkMagic(bytes, file, IMAGE_MAGIC, IMAGE_HEADER_BYTES);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(4);
  const rows = view.getUint32(8);
  const cols = view.getUint32(12);

  if (rows !== IMAGE_ROWS || cols !== IMAGE_COLS) {
    throw new DatasetError(
      'BAD_DIMENSIONS',
      `${file}: expected ${IMAGE_ROWS}x${IMAGE_COLS} images, found ${rows}x${cols}. ` +
        `Fashion-MNIST images are ${IMAGE_ROWS}x${IMAGE_COLS}; ${FIX_FILES_HINT}`,
      file,
    );
  }
  checkCount(count, file, 'images');
  checkLength(bytes.length, IMAGE_HEADER_BYTES + count * IMAGE_PIXELS, file, `${count} images`);

  return { images: bytes.subarray(IMAGE_HEADER_BYTES), count };
}

/** Parses IDX label bytes (already gunzipped), validating the header, length and every label. */
export function parseIdxLabels(bytes: Uint8Array, file: string): IdxLabels {
  checkMagic(bytes, file, LABEL_MAGIC, LABEL_HEADER_BYTES);
  const count = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4);
  checkCount(count, file, 'labels');
  checkLength(bytes.length, LABEL_HEADER_BYTES + count, file, `${count} labels`);

  const labels = bytes.subarray(LABEL_HEADER_BYTES);
  const badIndex = labels.findIndex((label) => label >= CLASS_COUNT);
  if (badIndex !== -1) {
    throw new DatasetError(
      'BAD_LABEL',
      `${file}: expected labels from 0 to ${CLASS_COUNT - 1}, found ${labels[badIndex]} ` +
        `at index ${badIndex}. ${FIX_FILES_HINT}`,
      file,
    );
  }
  return { labels, count };
}

function checkMagic(bytes: Uint8Array, file: string, expected: number, headerBytes: number): void {
  const kind = expected === IMAGE_MAGIC ? 'images' : 'labels';
  if (bytes.subarray(0, 2).some((byte) => byte !== 0)) {
    throw notIdxError(bytes, file, expected);
  }
  if (bytes.length < headerBytes) {
    throw new DatasetError(
      'TRUNCATED',
      `${file}: file is truncated: expected at least the ${headerBytes}-byte IDX ${kind} ` +
        `header, found ${bytes.length} bytes. ${FIX_FILES_HINT}`,
      file,
    );
  }

  const magic = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0);
  if (magic !== expected) {
    const swapped =
      magic === IMAGE_MAGIC || magic === LABEL_MAGIC
        ? ` (an IDX ${magic === IMAGE_MAGIC ? 'images' : 'labels'} file: check that the ` +
          `images and labels files are not swapped or renamed)`
        : '';
    throw new DatasetError(
      'BAD_MAGIC',
      `${file}: expected IDX magic number ${expected} (${kind}), found ${magic}${swapped}. ` +
        FIX_FILES_HINT,
      file,
    );
  }
}

function notIdxError(bytes: Uint8Array, file: string, expected: number): DatasetError {
  const expectedHead = `00 00 08 0${expected === IMAGE_MAGIC ? 3 : 1}`;
  if (looksLikeMarkup(bytes)) {
    return new DatasetError(
      'HTML_PAGE',
      `${file}: expected gzip (1f 8b) or IDX (${expectedHead}) data, found an HTML or XML ` +
        `page starting ${describeBytes(bytes)}. ${FIX_FILES_HINT}`,
      file,
    );
  }
  return new DatasetError(
    'NOT_IDX',
    `${file}: not a gzip or IDX file: expected it to start with 1f 8b (gzip) or ` +
      `${expectedHead} (IDX), found ${describeBytes(bytes)}. ${FIX_FILES_HINT}`,
    file,
  );
}

function checkCount(count: number, file: string, kind: string): void {
  if (count === 0) {
    throw new DatasetError(
      'BAD_DIMENSIONS',
      `${file}: expected at least 1 item, found a header with 0 ${kind}. ${FIX_FILES_HINT}`,
      file,
    );
  }
}

function checkLength(actual: number, expected: number, file: string, what: string): void {
  if (actual < expected) {
    throw new DatasetError(
      'TRUNCATED',
      `${file}: file is truncated: the header announces ${what}, which need ${expected} ` +
        `bytes, found ${actual} bytes (${expected - actual} missing). ${FIX_FILES_HINT}`,
      file,
    );
  }
  if (actual > expected) {
    throw new DatasetError(
      'TRAILING_BYTES',
      `${file}: file has trailing bytes: the header announces ${what}, which need ${expected} ` +
        `bytes, found ${actual} bytes (${actual - expected} extra). ${FIX_FILES_HINT}`,
      file,
    );
  }
}

/** Reads a file, rejecting files larger than MAX_IDX_BYTES before reading them. */
export async function readIdxBytes(path: string): Promise<Uint8Array> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    throw new DatasetError('FILE_MISSING', `${path}: file not found. ${FIX_FILES_HINT}`, path, {
      cause: error,
    });
  }
  if (size > MAX_IDX_BYTES) {
    throw new DatasetError(
      'TOO_LARGE',
      `${path}: expected at most ${MAX_IDX_BYTES} bytes for an IDX file, found ${size}. ` +
        FIX_FILES_HINT,
      path,
    );
  }
  return readFile(path);
}

/** Reads, gunzips (when gzipped) and parses an IDX images file. */
export async function readIdxImages(path: string): Promise<IdxImages> {
  return parseIdxImages(await gunzipIfNeeded(await readIdxBytes(path), path), path);
}

/** Reads, gunzips (when gzipped) and parses an IDX labels file. */
export async function readIdxLabels(path: string): Promise<IdxLabels> {
  return parseIdxLabels(await gunzipIfNeeded(await readIdxBytes(path), path), path);
}

/** Encodes `count` 28x28 images as IDX bytes, gzipped when `compress` is true. */
export async function encodeIdxImages(
  images: Uint8Array,
  count: number,
  compress = true,
): Promise<Uint8Array> {
  if (images.length !== count * IMAGE_PIXELS) {
    throw new RangeError(
      `encodeIdxImages: expected ${count * IMAGE_PIXELS} bytes for ${count} images, ` +
        `found ${images.length}.`,
    );
  }
  const bytes = new Uint8Array(IMAGE_HEADER_BYTES + images.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, IMAGE_MAGIC);
  view.setUint32(4, count);
  view.setUint32(8, IMAGE_ROWS);
  view.setUint32(12, IMAGE_COLS);
  bytes.set(images, IMAGE_HEADER_BYTES);
  return compress ? gzipAsync(bytes, { level: 9 }) : bytes;
}

/** Encodes labels as IDX bytes, gzipped when `compress` is true. */
export async function encodeIdxLabels(labels: Uint8Array, compress = true): Promise<Uint8Array> {
  const bytes = new Uint8Array(LABEL_HEADER_BYTES + labels.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, LABEL_MAGIC);
  view.setUint32(4, labels.length);
  bytes.set(labels, LABEL_HEADER_BYTES);
  return compress ? gzipAsync(bytes, { level: 9 }) : bytes;
}

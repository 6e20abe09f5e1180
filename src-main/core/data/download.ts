// Download of one dataset file over HTTP(S), with mirrors, progress, a stall timeout and
// MD5 verification. The body streams to `NAME.part` and is renamed to `NAME` only after it
// passes every check, so an interrupted download never leaves a file under the final name.
import { createHash } from 'node:crypto';
import { open, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { DatasetError, FIX_DOWNLOAD_HINT, FIX_FILES_HINT } from './errors';
import {
  describeBytes,
  gunzipIfNeeded,
  isGzip,
  looksLikeMarkup,
  parseIdxImages,
  parseIdxLabels,
} from './idx';

/**
 * Base URLs that serve the four gzipped Fashion-MNIST files, tried in order: the project's
 * S3 website, then the data folder of its GitHub repository.
 */
export const FASHION_MNIST_MIRRORS: readonly string[] = [
  'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
  'https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/',
];

/** Time without any received byte after which a download is abandoned: 30 s. */
export const DEFAULT_STALL_TIMEOUT_MS = 30_000;

/** Progress of a dataset download, reported after every received chunk. */
export interface DownloadProgress {
  /** File name, for example `train-images-idx3-ubyte.gz`. */
  file: string;
  /** Bytes of this file received so far from the current mirror. */
  receivedBytes: number;
  /** Content-Length of this file, when the server sent one. */
  totalBytes?: number;
  /** Position of this file in the download, from 0. */
  fileIndex: number;
  fileCount: number;
}

/** One file to download into `destDir`. */
export interface FileDownloadRequest {
  fileName: string;
  destDir: string;
  /** Base URLs; the file's URL is the base plus `fileName`. */
  mirrors: readonly string[];
  expectedMd5: string;
  fileIndex: number;
  fileCount: number;
  stallTimeoutMs: number;
  onProgress?: (progress: DownloadProgress) => void;
  signal?: AbortSignal;
}

/** Summary of a fully received response body. */
interface ReceivedBody {
  md5: string;
  /** Up to the first 512 bytes, for content sniffing. */
  head: Uint8Array;
  contentType: string;
}

/** Byte counts of the response in flight, shared with the error classifier. */
interface Transfer {
  url: string;
  receivedBytes: number;
  totalBytes?: number;
}

/**
 * Downloads `request.fileName` from the first mirror that serves a valid copy, into
 * `destDir/fileName`, and returns that path. Aborting (`signal`) stops at once with code
 * ABORTED; any other failure moves on to the next mirror. The `.part` file is always removed.
 */
export async function downloadFromMirrors(request: FileDownloadRequest): Promise<string> {
  const partPath = join(request.destDir, `${request.fileName}.part`);
  const finalPath = join(request.destDir, request.fileName);
  const failures: DatasetError[] = [];

  for (const base of request.mirrors) {
    const url = new URL(request.fileName, base.endsWith('/') ? base : `${base}/`).href;
    try {
      await downloadFromMirror(url, partPath, request);
      await rename(partPath, finalPath);
      return finalPath;
    } catch (error) {
      await rm(partPath, { force: true });
      const failure = toDatasetError(error, url);
      if (failure.code === 'ABORTED') {
        throw failure;
      }
      failures.push(failure);
    }
  }
  throw allMirrorsFailed(request.fileName, failures);
}

async function downloadFromMirror(
  url: string,
  partPath: string,
  request: FileDownloadRequest,
): Promise<void> {
  const body = await fetchToFile(url, partPath, request);
  checkContent(url, request.fileName, body);

  if (body.md5 !== request.expectedMd5) {
    throw new DatasetError(
      'CHECKSUM_MISMATCH',
      `${url}: MD5 checksum mismatch for ${request.fileName}: expected ${request.expectedMd5}, ` +
        `found ${body.md5}. The file is corrupt or differs from the published one. ` +
        FIX_DOWNLOAD_HINT,
      url,
    );
  }

  // The MD5 proves the bytes are the published ones; parsing also guards the test mirrors
  // and any future change of the expected sums.
  const bytes = await gunzipIfNeeded(await readFile(partPath), url);
  if (request.fileName.includes('images')) {
    parseIdxImages(bytes, url);
  } else {
    parseIdxLabels(bytes, url);
  }
}

/** Streams the body of `url` into `partPath`, hashing it and reporting progress. */
async function fetchToFile(
  url: string,
  partPath: string,
  request: FileDownloadRequest,
): Promise<ReceivedBody> {
  const transfer: Transfer = { url, receivedBytes: 0 };
  const stall = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const restartStallTimer = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => stall.abort(), request.stallTimeoutMs);
  };
  const signal = request.signal ? AbortSignal.any([request.signal, stall.signal]) : stall.signal;
  const file = await open(partPath, 'w');

  try {
    restartStallTimer();
    // Identity encoding: the files are gzip already, and a server-side Content-Encoding
    // would make fetch gunzip them, changing the MD5.
    const response = await fetch(url, { signal, headers: { 'accept-encoding': 'identity' } });
    if (!response.ok) {
      await discardBody(response);
      throw new DatasetError(
        'HTTP_STATUS',
        `${url}: expected HTTP 200, found HTTP ${response.status} ${response.statusText}. ` +
          FIX_DOWNLOAD_HINT,
        url,
      );
    }
    const length = response.headers.get('content-length');
    transfer.totalBytes = length === null ? undefined : Number(length);
    const received = await streamBody(response, file, transfer, request, restartStallTimer);
    return { ...received, contentType: response.headers.get('content-type') ?? '(none)' };
  } catch (error) {
    throw classifyFetchError(error, transfer, request, stall.signal);
  } finally {
    clearTimeout(timer);
    await file.close();
  }
}

async function streamBody(
  response: Response,
  file: FileHandle,
  transfer: Transfer,
  request: FileDownloadRequest,
  onChunk: () => void,
): Promise<Omit<ReceivedBody, 'contentType'>> {
  const md5 = createHash('md5');
  let head = new Uint8Array(0);
  const reader = response.body?.getReader();

  for (;;) {
    const chunk = reader ? await reader.read() : { done: true as const, value: undefined };
    if (chunk.done) {
      break;
    }
    onChunk();
    await file.write(chunk.value);
    md5.update(chunk.value);
    if (head.length < 512) {
      head = Buffer.concat([head, chunk.value.subarray(0, 512 - head.length)]);
    }
    transfer.receivedBytes += chunk.value.length;
    request.onProgress?.({
      file: request.fileName,
      receivedBytes: transfer.receivedBytes,
      totalBytes: transfer.totalBytes,
      fileIndex: request.fileIndex,
      fileCount: request.fileCount,
    });
  }

  if (transfer.totalBytes !== undefined && transfer.receivedBytes < transfer.totalBytes) {
    throw truncatedError(transfer);
  }
  return { md5: md5.digest('hex'), head };
}

async function discardBody(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // The HTTP status error that follows is the failure to report; a body that cannot be
    // cancelled only keeps its socket until garbage collection.
  }
}

/** Rejects bodies that are not gzip or IDX, naming HTML error pages served with status 200. */
function checkContent(url: string, fileName: string, body: ReceivedBody): void {
  if (isGzip(body.head) || (body.head.length >= 2 && body.head[0] === 0 && body.head[1] === 0)) {
    return;
  }
  if (looksLikeMarkup(body.head) || body.contentType.includes('html')) {
    throw new DatasetError(
      'HTML_PAGE',
      `${url}: expected the gzipped IDX file ${fileName}, found an HTML page ` +
        `(Content-Type ${body.contentType}) starting ${describeBytes(body.head, 16)}. ` +
        `The mirror may have moved the file or be showing an error page. ${FIX_DOWNLOAD_HINT}`,
      url,
    );
  }
  throw new DatasetError(
    'NOT_IDX',
    `${url}: expected the gzipped IDX file ${fileName} (starting 1f 8b), found ` +
      `${describeBytes(body.head)} (Content-Type ${body.contentType}). ${FIX_DOWNLOAD_HINT}`,
    url,
  );
}

function truncatedError(transfer: Transfer, cause?: unknown): DatasetError {
  return new DatasetError(
    'TRUNCATED',
    `${transfer.url}: connection closed after ${transfer.receivedBytes} of ` +
      `${transfer.totalBytes} bytes (Content-Length). ${FIX_DOWNLOAD_HINT}`,
    transfer.url,
    { cause },
  );
}

function classifyFetchError(
  error: unknown,
  transfer: Transfer,
  request: FileDownloadRequest,
  stallSignal: AbortSignal,
): DatasetError {
  if (error instanceof DatasetError) {
    return error;
  }
  const { url, receivedBytes, totalBytes } = transfer;
  const progress = `${receivedBytes}${totalBytes === undefined ? '' : ` of ${totalBytes}`} bytes`;
  if (request.signal?.aborted) {
    return new DatasetError(
      'ABORTED',
      `${url}: download of ${request.fileName} cancelled after ${progress}; nothing was saved.`,
      url,
      { cause: error },
    );
  }
  if (stallSignal.aborted) {
    return new DatasetError(
      'TIMEOUT',
      `${url}: timed out: no data for ${request.stallTimeoutMs / 1000} s after ${progress}. ` +
        FIX_DOWNLOAD_HINT,
      url,
      { cause: error },
    );
  }
  if (totalBytes !== undefined && receivedBytes < totalBytes) {
    return truncatedError(transfer, error);
  }
  return new DatasetError(
    'NETWORK',
    `${url}: request failed after ${progress}: ${describeNetworkError(error)}. ${FIX_DOWNLOAD_HINT}`,
    url,
    { cause: error },
  );
}

/** Node's fetch reports "fetch failed"; the useful part (ECONNREFUSED, ...) is in `cause`. */
function describeNetworkError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const detail = cause?.code ?? cause?.message;
  return detail ? `${message} (${detail})` : message;
}

function toDatasetError(error: unknown, url: string): DatasetError {
  if (error instanceof DatasetError) {
    return error;
  }
  return new DatasetError(
    'DOWNLOAD_FAILED',
    `${url}: could not save the download (${(error as Error).message}). Check free disk space ` +
      'and the permissions of the data folder.',
    url,
    { cause: error },
  );
}

/** Builds the error for a file that no mirror delivered, or returns the only failure. */
function allMirrorsFailed(fileName: string, failures: DatasetError[]): DatasetError {
  if (failures.length === 1) {
    return failures[0];
  }
  const codes = new Set(failures.map((failure) => failure.code));
  const reasons = failures.map(
    (failure) =>
      `- ${failure.message.replace(` ${FIX_DOWNLOAD_HINT}`, '').replace(` ${FIX_FILES_HINT}`, '')}`,
  );
  return new DatasetError(
    codes.size === 1 ? failures[0].code : 'DOWNLOAD_FAILED',
    `Download of ${fileName} failed on all ${failures.length} mirrors:\n${reasons.join('\n')}\n` +
      FIX_DOWNLOAD_HINT,
    fileName,
    { cause: failures },
  );
}

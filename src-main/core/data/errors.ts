/** Machine-readable reason for a DatasetError; the message carries the human-readable part. */
export type DatasetErrorCode =
  /** A dataset file or folder does not exist. */
  | 'FILE_MISSING'
  /** The bytes are neither gzip nor IDX (for example a text file). */
  | 'NOT_IDX'
  /** A server or file returned an HTML or XML page instead of the data. */
  | 'HTML_PAGE'
  /** The gzip stream is corrupt. */
  | 'BAD_GZIP'
  /** The IDX magic number is not the expected one (for example labels where images belong). */
  | 'BAD_MAGIC'
  /** The image size is not 28x28, or the item count is zero. */
  | 'BAD_DIMENSIONS'
  /** The file or download is shorter than its header or Content-Length implies. */
  | 'TRUNCATED'
  /** The file is longer than its header implies. */
  | 'TRAILING_BYTES'
  /** The file, or its gunzipped content, exceeds MAX_IDX_BYTES. */
  | 'TOO_LARGE'
  /** A label is outside 0-9. */
  | 'BAD_LABEL'
  /** An image file and its label file disagree on the number of items. */
  | 'COUNT_MISMATCH'
  /** A downloaded file's MD5 differs from the expected one. */
  | 'CHECKSUM_MISMATCH'
  /** A server returned an HTTP error status. */
  | 'HTTP_STATUS'
  /** The connection failed (refused, reset, DNS). */
  | 'NETWORK'
  /** The connection stalled for longer than the timeout. */
  | 'TIMEOUT'
  /** The caller aborted the operation. */
  | 'ABORTED'
  /** Download failed on every mirror, each for a different reason. */
  | 'DOWNLOAD_FAILED'
  /** No full dataset is cached yet. */
  | 'NOT_CACHED'
  /** The cache folder's files no longer match its dataset.json. */
  | 'CACHE_CORRUPT'
  /** Another download or import into the same cache is still running. */
  | 'BUSY';

/**
 * Error raised by the dataset layer. `file` is the path or URL involved, when there is one;
 * the message names that file, the expected and found values, and the next step.
 */
export class DatasetError extends Error {
  override readonly name = 'DatasetError';

  constructor(
    readonly code: DatasetErrorCode,
    message: string,
    readonly file?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Next step suggested when a dataset file on disk is unusable. */
export const FIX_FILES_HINT =
  'Download the dataset again with `nin-lab data download`, or import a folder of the four ' +
  'original Fashion-MNIST files with `nin-lab data import DIR`.';

/** Next step suggested when a download fails. */
export const FIX_DOWNLOAD_HINT =
  'Check the connection and try again, or import a folder of the four Fashion-MNIST files ' +
  'with `nin-lab data import DIR`.';

// Errors of the lab as data: every failure leaves LabService as `{ code, message, details? }`.
import type { z } from 'zod';
import type { LabErrorCode, LabErrorData } from '../../src-shared/contract';

type Details = NonNullable<LabErrorData['details']>;

/** An error LabService raises on purpose; its code is one of LAB_ERROR_CODES. */
export class LabError extends Error {
  override readonly name = 'LabError';

  constructor(
    readonly code: LabErrorCode,
    message: string,
    readonly details?: Details,
  ) {
    super(message);
  }
}

/**
 * Converts any thrown value to error data. Errors that carry a string `code` (LabError,
 * DatasetError, CheckpointError, the supervisor's errors) keep it; anything else is INTERNAL.
 */
export function toErrorData(error: unknown, operation: string): LabErrorData {
  if (error instanceof LabError) {
    return error.details === undefined
      ? { code: error.code, message: error.message }
      : { code: error.code, message: error.message, details: error.details };
  }
  if (isCodedError(error)) {
    return withContractCode({ code: error.code, message: error.message });
  }
  const text = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', message: `${operation} failed unexpectedly: ${text}` };
}

function isCodedError(error: unknown): error is { code: string; message: string } {
  if (typeof error !== 'object' || error === null) {
    return false;
  }
  const { code, message } = error as { code?: unknown; message?: unknown };
  return typeof code === 'string' && typeof message === 'string' && !/^E[A-Z]+$/.test(code);
}

/** Describes the first schema issue of an invalid request, with its field path. */
export function invalidRequest(channel: string, error: z.ZodError): LabErrorData {
  const issue = error.issues[0];
  const path = issue === undefined ? '' : issue.path.map(String).join('.');
  const where = path === '' ? 'the request' : `field "${path}"`;
  const reason = issue === undefined ? 'invalid value' : issue.message;
  return {
    code: 'INVALID_REQUEST',
    message: `Invalid ${channel} request: ${where}: ${reason}. Nothing was changed.`,
    details: { channel, path },
  };
}

/** Codes of the training worker and checkpoint layer, and the contract code each becomes. */
const CORE_CODES: Record<string, LabErrorCode> = {
  'run-in-progress': 'RUN_ACTIVE',
  'no-run': 'NO_RUN',
  'no-model': 'NO_MODEL',
  'invalid-spec': 'INVALID_SPEC',
  'invalid-request': 'INVALID_REQUEST',
  'worker-crashed': 'WORKER_FAILED',
  'worker-stopped': 'WORKER_FAILED',
  'not-found': 'NOT_FOUND',
  corrupt: 'CHECKPOINT_INVALID',
  truncated: 'CHECKPOINT_INVALID',
  'format-version': 'CHECKPOINT_INVALID',
  internal: 'INTERNAL',
};

/**
 * Maps a core error code to the contract's vocabulary (one set of codes for the renderer to
 * localise) and keeps the original in `details.coreCode`. Unknown codes pass through.
 */
export function withContractCode(error: LabErrorData): LabErrorData {
  const code = CORE_CODES[error.code];
  if (code === undefined) {
    return error;
  }
  return { ...error, code, details: { ...error.details, coreCode: error.code } };
}

// Info, warnings and errors shown by the one message component. Messages keep their key and
// parameters, not text, so they follow a language switch.
import type { LabErrorData } from '../../../../src-shared/contract';
import type { MessageKey, MessageParams } from '../i18n/i18n.svelte';

export type MessageLevel = 'info' | 'warning' | 'error';

export interface Message {
  id: number;
  level: MessageLevel;
  /** Localized summary. */
  key: MessageKey;
  params?: MessageParams;
  /** The main side's English sentence naming the value and the next step, if any. */
  detail?: string;
  /** Error or log code from the main side, for tests and bug reports. */
  code?: string;
}

/** Most messages kept; older ones are dropped first so a flood cannot hide the newest. */
const MAX_MESSAGES = 6;

export class MessagesState {
  items = $state.raw<Message[]>([]);
  #nextId = 1;

  push(
    level: MessageLevel,
    key: MessageKey,
    params?: MessageParams,
    extra?: Partial<Message>,
  ): void {
    const message: Message = { id: this.#nextId++, level, key, params, ...extra };
    // A repeat of a shown message (two requests failing for one cause) replaces it.
    const others = this.items.filter((item) => !sameMessage(item, message));
    this.items = [...others, message].slice(-MAX_MESSAGES);
  }

  info(key: MessageKey, params?: MessageParams): void {
    this.push('info', key, params);
  }

  /** Show a lab error: a localized summary by code, and the main side's sentence below it. */
  error(error: LabErrorData): void {
    const params = { ...error.details, code: error.code };
    this.push('error', errorKey(error.code), params, { detail: error.message, code: error.code });
  }

  dismiss(id: number): void {
    this.items = this.items.filter((message) => message.id !== id);
  }

  /** Remove messages with `code`, for example an old error once the cause is fixed. */
  dismissCode(code: string): void {
    this.items = this.items.filter((message) => message.code !== code);
  }
}

function sameMessage(a: Message, b: Message): boolean {
  return (
    a.level === b.level &&
    a.key === b.key &&
    a.detail === b.detail &&
    JSON.stringify(a.params) === JSON.stringify(b.params)
  );
}

const ERROR_KEYS: Record<string, MessageKey> = {
  INVALID_REQUEST: 'error.INVALID_REQUEST',
  UNKNOWN_CHANNEL: 'error.INVALID_REQUEST',
  RUN_ACTIVE: 'error.RUN_ACTIVE',
  NO_RUN: 'error.NO_RUN',
  INVALID_STATE: 'error.INVALID_STATE',
  NOT_FOUND: 'error.NOT_FOUND',
  ALREADY_EXISTS: 'error.ALREADY_EXISTS',
  NOT_CACHED: 'error.NOT_CACHED',
  BUSY: 'error.BUSY',
  WORKER_FAILED: 'error.WORKER_FAILED',
  UNAUTHORIZED: 'error.UNAUTHORIZED',
  TRANSPORT: 'error.TRANSPORT',
  'non-finite-loss': 'error.nonFiniteLoss',
  diverged: 'error.nonFiniteLoss',
  CHECKSUM_MISMATCH: 'error.checksum',
  FILE_MISSING: 'error.fileMissing',
};

/** Dataset parsing codes (BAD_MAGIC, TRUNCATED, …) share one summary. */
const DATASET_CODES = new Set([
  'BAD_MAGIC',
  'BAD_DIMENSIONS',
  'BAD_LABEL',
  'BAD_GZIP',
  'TRUNCATED',
  'TRAILING_BYTES',
  'NOT_IDX',
  'HTML_PAGE',
  'TOO_LARGE',
  'COUNT_MISMATCH',
]);

export function errorKey(code: string): MessageKey {
  if (code in ERROR_KEYS) return ERROR_KEYS[code];
  if (DATASET_CODES.has(code)) return 'error.datasetInvalid';
  return 'error.other';
}

// The main side's logger: one line per entry on stderr, in a fixed format that a person can
// read and grep: `2025-01-31T12:00:00.000Z INFO  [scope] message key=value …`.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, string | number | boolean | null | undefined>;

const LEVEL_ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
/** Environment variable with the lowest level written: debug, info (default), warn or error. */
export const LOG_LEVEL_ENV = 'NIN_LAB_LOG_LEVEL';

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** Formats one log line; values with spaces or quotes are JSON-quoted. */
export function formatLogLine(
  level: LogLevel,
  scope: string,
  message: string,
  fields: LogFields = {},
  time = new Date(),
): string {
  const pairs = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${formatValue(value)}`);
  const tail = pairs.length > 0 ? ` ${pairs.join(' ')}` : '';
  return `${time.toISOString()} ${level.toUpperCase().padEnd(5)} [${scope}] ${message}${tail}`;
}

function formatValue(value: string | number | boolean | null | undefined): string {
  const text = String(value);
  return /^[^\s"=]+$/.test(text) ? text : JSON.stringify(text);
}

function minimumLevel(): LogLevel {
  const fromEnv = process.env[LOG_LEVEL_ENV];
  return fromEnv !== undefined && fromEnv in LEVEL_ORDER ? (fromEnv as LogLevel) : 'info';
}

/** Returns a logger whose lines carry `scope`, such as 'lab' or 'server'. */
export function createLogger(scope: string, write: (line: string) => void = writeStderr): Logger {
  const threshold = LEVEL_ORDER[minimumLevel()];
  const at =
    (level: LogLevel) =>
    (message: string, fields?: LogFields): void => {
      if (LEVEL_ORDER[level] >= threshold) {
        write(formatLogLine(level, scope, message, fields));
      }
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

function writeStderr(line: string): void {
  process.stderr.write(`${line}\n`);
}

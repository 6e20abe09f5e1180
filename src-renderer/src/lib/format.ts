// Number, size and duration formatting for the tables and the status bar.
import type { MessageKey, MessageParams } from './i18n/i18n.svelte';

type Translate = (key: MessageKey, params?: MessageParams) => string;

/** Format an integer with thousands separators in the UI's locale: 1,234,567. */
export function formatCount(value: number, locale: string): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(value);
}

/** Format a large count with a metric suffix (12.3 M, 1.05 G), exactly below 10,000. */
export function formatCompact(value: number, locale: string): string {
  if (Math.abs(value) < 10_000) return formatCount(value, locale);
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  const [scale, suffix] = units.find(([size]) => Math.abs(value) >= size) ?? [1, ''];
  const digits = new Intl.NumberFormat(locale, { maximumSignificantDigits: 3 });
  return `${digits.format(value / scale)} ${suffix}`;
}

/** Format bytes in binary units: 512 B, 3.1 KiB, 12 MiB. */
export function formatBytes(bytes: number, locale: string): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = new Intl.NumberFormat(locale, { maximumFractionDigits: unit === 0 ? 0 : 1 });
  return `${digits.format(value)} ${units[unit]}`;
}

/** Format a fraction in [0, 1] as a percentage with one decimal: 0.8734 → 87.3%. */
export function formatPercent(fraction: number, locale: string): string {
  return new Intl.NumberFormat(locale, {
    style: 'percent',
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  }).format(fraction);
}

/** Format a number with `digits` significant digits, for losses and rates. */
export function formatNumber(value: number, locale: string, digits = 4): string {
  if (!Number.isFinite(value)) return String(value);
  return new Intl.NumberFormat(locale, { maximumSignificantDigits: digits }).format(value);
}

/** Format a duration in seconds as "42 s", "3 min 5 s" or "1 h 20 min". */
export function formatDuration(seconds: number, t: Translate): string {
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return t('time.hours', { h, m });
  if (m > 0) return t('time.minutes', { m, s });
  return t('time.seconds', { s });
}

/** Format a shape as the book prints it: (1, 96, 54, 54). */
export function formatShape(dims: number[]): string {
  return `(${dims.join(', ')})`;
}

// Range hints and localized validation messages derived from the shared zod schemas, so the
// form states exactly the limits that the main process enforces.
import type { z } from 'zod';
import type { MessageKey, MessageParams } from './i18n/i18n.svelte';

type Translate = (key: MessageKey, params?: MessageParams) => string;

export interface NumberRange {
  min: number;
  max: number;
  minInclusive: boolean;
  maxInclusive: boolean;
  integer: boolean;
}

/** Read the bounds of a zod number schema; a bound the schema rejects is exclusive. */
export function numberRange(schema: z.ZodNumber): NumberRange {
  const min = schema.minValue ?? -Number.MAX_SAFE_INTEGER;
  const max = schema.maxValue ?? Number.MAX_SAFE_INTEGER;
  return {
    min,
    max,
    minInclusive: schema.safeParse(min).success,
    maxInclusive: schema.safeParse(max).success,
    integer: schema.isInt,
  };
}

/** Interval notation for hints: "1–2048" for integers, "(0, 10]" or "[0, 1)" for reals. */
export function rangeText(range: NumberRange): string {
  if (range.integer) return `${range.min}–${range.max}`;
  const open = range.minInclusive ? '[' : '(';
  const close = range.maxInclusive ? ']' : ')';
  return `${open}${range.min}, ${range.max}${close}`;
}

/** Return the localized message for a value the schema rejects, or null when it is valid. */
export function numberError(schema: z.ZodNumber, value: unknown, t: Translate): string | null {
  if (typeof value === 'number' && schema.safeParse(value).success) return null;
  const range = numberRange(schema);
  if (range.integer) return t('validation.integer', { min: range.min, max: range.max });
  return t('validation.number', { range: rangeText(range) });
}

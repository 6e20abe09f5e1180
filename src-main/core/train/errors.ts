// Turns any error into data that can cross a process boundary: a code and a sentence.
import { ZodError } from 'zod';
import type { LabErrorData } from '../../../src-shared/training';
import { SpecError } from '../../../src-shared/shapes';

/** Convert an error to `{ code, message }`; errors that carry a `code` keep it. */
export function toLabError(error: unknown): LabErrorData {
  if (error instanceof SpecError) return { code: 'invalid-spec', message: error.message };
  if (error instanceof ZodError) {
    const issue = error.issues[0];
    return {
      code: 'invalid-request',
      message: `Invalid value at ${issue.path.join('.') || 'top level'}: ${issue.message}.`,
    };
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { code: typeof code === 'string' ? code : 'internal', message: error.message };
  }
  return { code: 'internal', message: String(error) };
}

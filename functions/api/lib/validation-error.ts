import type { ZodError } from 'zod';
import { invalidParameter, type AppError } from '../../../shared/http/app-error.js';

/**
 * Turns a failed zod validation of the query or body into a 400 naming the parameter.
 * `isMissing` tells an absent parameter ("is required") from a malformed one.
 */
export function validationError(
  error: ZodError,
  target: string,
  isMissing: (parameter: string) => boolean,
): AppError {
  // Every issue, not just the first, says "is required" for an absent parameter (zod's own words
  // are "expected string, received undefined").
  const details = error.issues.map((issue) => {
    const parameter = issue.path.join('.') || target;
    const message =
      issue.code === 'invalid_type' && isMissing(parameter) ? 'is required' : issue.message;
    return { parameter, message, in: target };
  });
  const [first, ...rest] = details;
  return invalidParameter(first?.parameter ?? target, first?.message ?? 'is invalid', rest);
}

import { invalidParameter } from '../../../shared/http/app-error.js';

/**
 * A page cursor as /trades and /anomalies hand it out: the strings that say where a page ended and
 * which query it belongs to, as base64url JSON, opaque to clients.
 */
export function encodeCursorStrings(values: readonly string[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

/** The 400 a cursor this API did not issue gets, from whichever check finds it out. */
export const notOurCursor = () =>
  invalidParameter('cursor', 'is not a cursor returned by this endpoint');

/**
 * The strings of a cursor encodeCursorStrings() made, as many as one of `counts`.
 *
 * @throws AppError 400 `invalid_parameter` for anything else.
 */
export function decodeCursorStrings(encoded: string, counts: readonly number[]): string[] {
  if (!/^[A-Za-z0-9_-]{1,1000}$/.test(encoded)) throw notOurCursor();
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    throw notOurCursor();
  }
  if (
    !Array.isArray(values) ||
    !counts.includes(values.length) ||
    !values.every((v) => typeof v === 'string')
  )
    throw notOurCursor();
  return values;
}

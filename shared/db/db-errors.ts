/**
 * Errors that mean "the database is not reachable right now" rather than "this request is wrong":
 * the API answers 503 for them and persist throws so Pub/Sub redelivers.
 * Classified by SQLSTATE class and by the postgres client's and Node's own codes, never by message.
 */
const CLIENT_CONNECTION_CODES = new Set([
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);

/** SQLSTATE classes and codes: 08 connection exception, 57P01-03 shutdown/crash/starting, 53300 too many connections. */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);

function codeOf(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    return typeof error.code === 'string' ? error.code : undefined;
  }
  return undefined;
}

export function isDatabaseUnavailable(error: unknown): boolean {
  const code = codeOf(error);
  if (code === undefined) return false;
  return (
    CLIENT_CONNECTION_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08')
  );
}

/**
 * SQLSTATE class 22, data exception: a value the database cannot use (a malformed or out-of-range
 * timestamp, a number too large for its column). In a read query every value comes from the
 * request, so it is the caller's to fix (400), not a failure of ours.
 */
export function isInvalidValue(error: unknown): boolean {
  return codeOf(error)?.startsWith('22') === true;
}

/** Thrown by our own timeouts around database calls (e.g. the health check). */
export class DatabaseTimeoutError extends Error {
  override readonly name = 'DatabaseTimeoutError';
  readonly code = 'CONNECT_TIMEOUT';
}

/** Rejects with DatabaseTimeoutError when `work` takes longer than `ms`. */
export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new DatabaseTimeoutError(`${what} did not answer within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

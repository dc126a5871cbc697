/**
 * An error meant for the caller: an HTTP status, a stable code clients can switch on, a message
 * a person can act on, and optional details (e.g. which parameter was wrong and why).
 */
export class AppError extends Error {
  override readonly name = 'AppError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown[] = [],
  ) {
    super(message);
  }
}

export const invalidParameter = (parameter: string, message: string, details: unknown[] = []) =>
  new AppError(400, 'invalid_parameter', `${parameter}: ${message}`, [
    { parameter, message },
    ...details,
  ]);

/**
 * 404 `symbol_not_found` for the symbols named.
 *
 * @example symbolNotFound(['NOPE']) // "Unknown symbol: NOPE"
 */
export const symbolNotFound = (symbols: string[], description = 'Unknown symbol') =>
  new AppError(404, 'symbol_not_found', `${description}: ${symbols.join(', ')}`);

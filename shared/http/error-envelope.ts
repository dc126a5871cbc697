import { isDatabaseUnavailable, isInvalidValue } from '../db/db-errors.js';
import { AppError } from './app-error.js';

/**
 * The one error shape, whatever the status: the `error` and `message` downstream clients already
 * read, `detail` (the same reason, under the key Phase 1 clients read it from), details, the status
 * and the request id to quote when asking for help.
 */
export interface ErrorEnvelope {
  error: string;
  message: string;
  detail: string;
  details: unknown[];
  status: number;
  request_id: string;
}

export function errorEnvelope(error: AppError, requestId: string): ErrorEnvelope {
  return {
    error: error.code,
    message: error.message,
    detail: error.message,
    details: error.details,
    status: error.status,
    request_id: requestId,
  };
}

/**
 * Maps anything thrown to the error the caller sees: AppErrors as they are, an unreachable
 * database as 503, a value the database refused (SQLSTATE class 22) as 400, everything else as
 * a 500 that reveals nothing of the internals.
 */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (isDatabaseUnavailable(error)) {
    return new AppError(503, 'database_unavailable', 'The database is unreachable; retry shortly');
  }
  if (isInvalidValue(error)) {
    return new AppError(
      400,
      'invalid_parameter',
      'A parameter has a value the database cannot use (malformed or out of range)',
    );
  }
  return new AppError(500, 'internal_error', 'Internal server error');
}

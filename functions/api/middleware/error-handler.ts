import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import { AppError, invalidParameter } from '../../../shared/http/app-error.js';
import { errorEnvelope, toAppError } from '../../../shared/http/error-envelope.js';
import type { Logger } from '../../../shared/logging/logger.js';
import type { AppEnv } from '../app-env.js';

export function sendError(c: Context<AppEnv>, error: AppError) {
  return c.json(errorEnvelope(error, c.get('requestId')), error.status as ContentfulStatusCode);
}

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

/** The one place where anything thrown becomes the error envelope; nothing internal leaves the process. */
export const errorHandler =
  ({ logger }: { logger: Logger }): ErrorHandler<AppEnv> =>
  (error, c) => {
    let appError: AppError;
    if (error instanceof HTTPException) {
      const code =
        error.status === 413
          ? 'payload_too_large'
          : error.status === 400
            ? 'invalid_body'
            : 'http_error';
      appError = new AppError(error.status, code, error.message || 'Request refused');
    } else {
      appError = toAppError(error);
    }
    if (appError.status >= 500)
      logger.error({ err: error, status: appError.status }, `request failed: ${appError.message}`);
    // A database error mapped to a 4xx means a validation let a bad value through: worth a look.
    else if (!(error instanceof AppError) && !(error instanceof HTTPException))
      logger.warn({ err: error, status: appError.status }, `request refused by the database`);
    return sendError(c, appError);
  };

export const notFoundHandler: NotFoundHandler<AppEnv> = (c) =>
  sendError(c, new AppError(404, 'not_found', `No route for ${c.req.method} ${c.req.path}`));

import type { ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { AppError } from '../../../shared/http/app-error.js';
import { toAppError } from '../../../shared/http/error-envelope.js';
import type { Logger } from '../../../shared/logging/logger.js';
import type { AppEnv } from '../app-env.js';
import { sendError } from '../lib/send-error.js';

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
    // A full instance is expected under load and the client retries: a warning, not an error.
    if (appError.code === 'too_many_streams')
      logger.warn({ status: appError.status }, `request refused: ${appError.message}`);
    else if (appError.status >= 500)
      logger.error({ err: error, status: appError.status }, `request failed: ${appError.message}`);
    // A database error mapped to a 4xx means a validation let a bad value through: worth a look.
    else if (!(error instanceof AppError) && !(error instanceof HTTPException))
      logger.warn({ err: error, status: appError.status }, `request refused by the database`);
    return sendError(c, appError);
  };

export const notFoundHandler: NotFoundHandler<AppEnv> = (c) =>
  sendError(c, new AppError(404, 'not_found', `No route for ${c.req.method} ${c.req.path}`));

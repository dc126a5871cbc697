import { RequestError } from '@hono/node-server';
import { AppError } from '../../../shared/http/app-error.js';
import { errorEnvelope, toAppError } from '../../../shared/http/error-envelope.js';
import { REQUEST_ID_HEADER, requestIdFrom } from '../../../shared/http/request-id.js';
import type { Logger } from '../../../shared/logging/logger.js';

/**
 * For @hono/node-server's `errorHandler`: the answer to a request the adapter cannot turn into a
 * fetch Request (a backslash in the path, the asterisk form, a bad Host header), which the app
 * never sees. It is a 400 with the error envelope, as any other bad input, instead of the
 * adapter's empty 400. Anything else that reaches here escaped the app's own error handler.
 */
export function answerUnbuildableRequest(logger: Logger) {
  return (error: unknown): Response => {
    const requestId = requestIdFrom(undefined);
    const appError =
      error instanceof RequestError
        ? new AppError(400, 'bad_request', `The request cannot be read: ${error.message}`)
        : toAppError(error);
    if (appError.status >= 500)
      logger.error({ err: error, request_id: requestId }, 'request failed outside the app');
    return Response.json(errorEnvelope(appError, requestId), {
      status: appError.status,
      // The caller's id is out of reach here (the adapter passes only the error): a new one.
      headers: { [REQUEST_ID_HEADER]: requestId, 'x-content-type-options': 'nosniff' },
    });
  };
}

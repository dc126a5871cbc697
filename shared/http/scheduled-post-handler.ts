import type { Request, Response } from '@google-cloud/functions-framework';
import type { Logger } from '../logging/logger.js';
import { withLogContext } from '../logging/log-context.js';
import { AppError } from './app-error.js';
import { errorEnvelope, toAppError } from './error-envelope.js';
import { REQUEST_ID_HEADER, requestIdFrom } from './request-id.js';

export interface ScheduledPostOptions {
  /** Names the work in the 405 and the log lines: `ingest`, `maintenance`, `monitor`. */
  name: string;
  logger: Logger;
  /** The error a failure answers with, when a kind of its own deserves more than toAppError's. */
  toError?: (error: unknown) => AppError;
}

/**
 * An HTTP function Cloud Scheduler calls with POST (ingest, its maintenance path, monitor): the
 * request id echoed and in every log line, any other method a 405, the work's summary answered as
 * JSON; a failure answered with the error envelope and logged, an error when the fault is ours
 * (5xx), a warning when the request was refused. Scheduler retries on the status.
 */
export function scheduledPostHandler(
  { name, logger, toError = toAppError }: ScheduledPostOptions,
  work: (request: Request) => Promise<object>,
) {
  return async function handle(request: Request, response: Response): Promise<void> {
    const requestId = requestIdFrom(request.get(REQUEST_ID_HEADER));
    response.set(REQUEST_ID_HEADER, requestId);
    await withLogContext({ request_id: requestId }, async () => {
      try {
        if (request.method !== 'POST') {
          response.set('Allow', 'POST');
          throw new AppError(
            405,
            'method_not_allowed',
            `${request.method} is not allowed; ${name} accepts POST`,
          );
        }
        response.status(200).json(await work(request));
      } catch (error) {
        const appError = toError(error);
        if (appError.status >= 500)
          logger.error({ err: error }, `${name} failed: ${appError.message}`);
        else logger.warn({ error: appError.code }, `${name} request refused: ${appError.message}`);
        response.status(appError.status).json(errorEnvelope(appError, requestId));
      }
    });
  };
}

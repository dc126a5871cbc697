import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppError } from '../../../shared/http/app-error.js';
import { errorEnvelope } from '../../../shared/http/error-envelope.js';
import type { AppEnv } from '../app-env.js';

/** Answers with the error envelope, for the places that answer an error without throwing it. */
export function sendError(c: Context<AppEnv>, error: AppError) {
  return c.json(errorEnvelope(error, c.get('requestId')), error.status as ContentfulStatusCode);
}

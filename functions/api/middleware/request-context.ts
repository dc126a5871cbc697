import type { MiddlewareHandler } from 'hono';
import { REQUEST_ID_HEADER, requestIdFrom } from '../../../shared/http/request-id.js';
import type { Logger } from '../../../shared/logging/logger.js';
import { withLogContext } from '../../../shared/logging/log-context.js';
import type { AppEnv } from '../app-env.js';
import type { RecordRequest } from './request-metrics.js';

export interface RequestContextOptions {
  logger: Logger;
  recordRequest: RecordRequest;
}

/**
 * Gives every request an id (the caller's X-Request-Id when safe, else a new one), echoes it on
 * the response, attaches it to every log line of the request, and logs and measures the outcome.
 */
export const requestContext =
  ({ logger, recordRequest }: RequestContextOptions): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const requestId = requestIdFrom(c.req.header(REQUEST_ID_HEADER));
    c.set('requestId', requestId);
    const started = performance.now();
    await withLogContext({ request_id: requestId }, next);
    // On the response's own headers: c.header() after the handler would rebuild the response
    // around a stream of its body, which the Node adapter then reads chunk by chunk instead of
    // sending the body whole (docs/benchmarks.md).
    c.res.headers.set(REQUEST_ID_HEADER, requestId);
    const elapsedMs = performance.now() - started;
    recordRequest(c, elapsedMs / 1000);
    const { status } = c.res;
    const fields = {
      request_id: requestId,
      method: c.req.method,
      path: c.req.path,
      status,
      latency_ms: Math.round(elapsedMs),
    };
    // Successes at debug keep the hot path quiet; failures are what an operator looks for.
    if (status >= 500) logger.error(fields, `${c.req.method} ${c.req.path} ${status}`);
    else if (status >= 400) logger.info(fields, `${c.req.method} ${c.req.path} ${status}`);
    else logger.debug(fields, `${c.req.method} ${c.req.path} ${status}`);
  };

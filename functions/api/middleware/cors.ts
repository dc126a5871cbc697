import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import type { AppEnv } from '../app-env.js';
import { RATE_LIMIT_HEADERS } from './rate-limit.js';

export interface CorsAllowListOptions {
  /** Origins exactly as browsers send them; `['*']` for any; empty: no cross-origin access. */
  allowedOrigins?: string[];
}

/**
 * CORS for the browser origins of the allow-list (CORS_ALLOWED_ORIGINS), answering their
 * preflights. A request without an Origin header is no browser's cross-origin request and passes
 * untouched, so a plain OPTIONS still gets the 405 handler's Allow list. No credentials mode:
 * keys travel in a header, never in cookies.
 */
export const corsAllowList = ({
  allowedOrigins = [],
}: CorsAllowListOptions = {}): MiddlewareHandler<AppEnv> => {
  if (allowedOrigins.length === 0) return (_c, next) => next();
  const handler = cors({
    origin: allowedOrigins.includes('*') ? '*' : allowedOrigins,
    allowMethods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'],
    // Last-Event-ID: a browser resuming /stream through fetch sends it.
    allowHeaders: ['Content-Type', 'X-API-Key', 'X-Request-Id', 'Last-Event-ID'],
    // The rate limit's headers, so a browser script can pace itself and honour a 429's Retry-After.
    exposeHeaders: ['X-Request-Id', ...RATE_LIMIT_HEADERS],
    maxAge: 600,
  });
  return async (c, next) => {
    if (c.req.header('origin') === undefined) {
      await next();
      return;
    }
    return handler(c, next);
  };
};

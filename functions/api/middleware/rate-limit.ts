import type { Context, MiddlewareHandler } from 'hono';
import { API_KEY_HEADER, type ApiKeyRole } from '../../../shared/auth/api-key.js';
import { AppError } from '../../../shared/http/app-error.js';
import type { RateLimitDecision, RateLimiter } from '../../../shared/rate-limits/rate-limiter.js';
import type { AppEnv } from '../app-env.js';
import { clientIp } from '../lib/client-ip.js';
import { sendError } from '../lib/send-error.js';

/** Requests per minute by who calls: a key of each role, and callers without a valid key. */
export type RateLimitsPerMinute = Record<ApiKeyRole | 'anonymous', number>;

export interface RateLimitOptions {
  limiter: RateLimiter;
  perMinute: RateLimitsPerMinute;
  /** Which X-Forwarded-For entry is the client (lib/client-ip.ts). */
  trustedProxyHops: number;
  /** Paths never counted: health checks. */
  isExempt?: (path: string) => boolean;
}

/** The headers rate-limited answers carry; CORS exposes them to scripts (middleware/cors.ts). */
export const RATE_LIMIT_HEADERS = [
  'RateLimit',
  'RateLimit-Policy',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
  'Retry-After',
] as const;

/**
 * The draft's fields (draft-ietf-httpapi-ratelimit-headers-10: a policy named "minute", quota `q`
 * per window `w` seconds; `r` remaining, `t` seconds to the reset) and the X-RateLimit-* trio that
 * older clients read, with X-RateLimit-Reset in seconds from now like the draft's `t`.
 */
function setHeaders(
  c: Context<AppEnv>,
  { limit, remaining, resetSeconds }: RateLimitDecision,
): void {
  // On the response's own headers when there is one: c.header() after the handler would rebuild the
  // response around a stream of its body (middleware/request-context.ts says why that costs).
  const headers = c.finalized ? c.res.headers : new Headers();
  headers.set('RateLimit-Policy', `"minute";q=${limit};w=60`);
  headers.set('RateLimit', `"minute";r=${remaining};t=${resetSeconds}`);
  headers.set('X-RateLimit-Limit', String(limit));
  headers.set('X-RateLimit-Remaining', String(remaining));
  headers.set('X-RateLimit-Reset', String(resetSeconds));
  if (!c.finalized)
    headers.forEach((value, name) => {
      c.header(name, value);
    });
}

/** Who a request counts against: its key in force, or else its client IP. */
async function subjectOf(
  c: Context<AppEnv>,
  { perMinute, trustedProxyHops }: RateLimitOptions,
): Promise<{ subject: string; limit: number }> {
  const lookup = await c.var.apiKey();
  if (lookup.state === 'valid')
    return {
      subject: `key:${lookup.key.id}`,
      limit: lookup.key.rate_limit_per_minute ?? perMinute[lookup.key.role],
    };
  return { subject: `ip:${clientIp(c, trustedProxyHops)}`, limit: perMinute.anonymous };
}

/**
 * Limits requests per minute per API key (its own limit, else its role's) and per client IP for
 * callers without a valid key, across every api instance (RateLimiter). Answers carry the
 * limit's headers; past the limit a 429 with the envelope and Retry-After. Runs before the key is
 * required, so refused keys count against their IP too. CORS preflights and exempt paths pass
 * uncounted.
 */
export const rateLimit = (options: RateLimitOptions): MiddlewareHandler<AppEnv> => {
  const { limiter, isExempt = () => false } = options;
  // Not async: an allowed request costs one promise here (then), not an async function's two.
  const finish = (
    c: Context<AppEnv>,
    next: () => Promise<void>,
    decision: RateLimitDecision,
  ): Promise<Response | undefined> => {
    if (!decision.allowed) {
      const error = new AppError(
        429,
        'rate_limited',
        `Rate limit of ${decision.limit} requests per minute reached; retry in ${decision.resetSeconds} s`,
      );
      setHeaders(c, decision);
      c.header('Retry-After', String(decision.resetSeconds));
      return Promise.resolve(sendError(c, error));
    }
    return next().then(() => {
      setHeaders(c, decision);
      return undefined;
    });
  };
  const decide = (
    c: Context<AppEnv>,
    next: () => Promise<void>,
    decision: RateLimitDecision | Promise<RateLimitDecision>,
  ) =>
    decision instanceof Promise
      ? decision.then((decided) => finish(c, next, decided))
      : finish(c, next, decision);
  return (c, next) => {
    if (c.req.method === 'OPTIONS' || isExempt(c.req.path)) return next();
    // Without a key header the subject is known at once: no lookup, and usually no promise either.
    if (c.req.header(API_KEY_HEADER) === undefined)
      return decide(
        c,
        next,
        limiter.take(`ip:${clientIp(c, options.trustedProxyHops)}`, options.perMinute.anonymous),
      );
    return subjectOf(c, options).then(({ subject, limit }) =>
      decide(c, next, limiter.take(subject, limit)),
    );
  };
};

import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.js';
import { errorEnvelopeSchema } from './common.schemas.js';

const header = (description: string, example: string) => ({
  description,
  schema: { type: 'string' as const, example },
});

/** What every rate-limited answer carries (middleware/rate-limit.ts). */
const RATE_LIMIT_RESPONSE_HEADERS = {
  RateLimit: header(
    'draft-ietf-httpapi-ratelimit-headers: requests left (r) and seconds until the window resets (t)',
    '"minute";r=599;t=42',
  ),
  'RateLimit-Policy': header(
    'draft-ietf-httpapi-ratelimit-headers: requests allowed (q) per window of w seconds',
    '"minute";q=600;w=60',
  ),
  'X-RateLimit-Limit': header('Requests allowed per minute for this key or client IP', '600'),
  'X-RateLimit-Remaining': header('Requests left in the current minute', '599'),
  'X-RateLimit-Reset': header('Seconds until the current minute ends', '42'),
};

const tooManyRequests = {
  description:
    'Rate limit reached (rate_limited): per API key, or per client IP without a key; retry after Retry-After seconds',
  headers: {
    'Retry-After': header('Seconds until the limit resets', '42'),
    ...RATE_LIMIT_RESPONSE_HEADERS,
  },
  content: { 'application/json': { schema: errorEnvelopeSchema } },
};

/**
 * When rate limits are on, documents them on every route they apply to: the headers on each
 * answer and the 429. Run after every route is registered; edits only this app's registry
 * entries, as documentApiKeys does.
 */
export function documentRateLimits(
  app: OpenAPIHono<AppEnv>,
  { enabled, isExempt }: { enabled: boolean; isExempt: (path: string) => boolean },
): void {
  if (!enabled) return;
  for (const definition of app.openAPIRegistry.definitions) {
    if (definition.type !== 'route' || isExempt(definition.route.path)) continue;
    const responses: typeof definition.route.responses = {
      ...definition.route.responses,
      429: tooManyRequests,
    };
    for (const [status, response] of Object.entries(responses))
      // No route declares headers of its own as a zod schema, which this spread would not merge.
      if (status.startsWith('2') && !('$ref' in response))
        responses[status] = {
          ...response,
          // eslint-disable-next-line @typescript-eslint/no-misused-spread -- a HeadersObject, never a zod schema here (see above)
          headers: { ...(response.headers ?? {}), ...RATE_LIMIT_RESPONSE_HEADERS },
        };
    definition.route.responses = responses;
  }
}

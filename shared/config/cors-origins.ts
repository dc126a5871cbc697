import { z } from 'zod';

/**
 * `CORS_ALLOWED_ORIGINS`: the browser origins allowed to call the api, comma-separated
 * (`https://app.example.com,http://localhost:3000`), or `*` for any. Each must be an origin exactly
 * as a browser sends it (scheme, host, optional port; no path, no trailing slash), since the
 * `Origin` header is compared as a string and `https://a.example/` would never match.
 *
 * @example corsOriginsSchema.parse('https://a.example, https://b.example:8443')
 */
export const corsOriginsSchema = z.string().transform((value, ctx): string[] => {
  const origins = value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  if (origins.length === 1 && origins[0] === '*') return ['*'];
  for (const origin of origins) {
    if (!isOrigin(origin)) {
      ctx.addIssue({
        code: 'custom',
        message: `"${origin}" is not an origin like https://app.example.com (scheme, host, optional port; no path; * only alone)`,
      });
      return z.NEVER;
    }
  }
  return origins;
});

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}

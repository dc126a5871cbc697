import type { Context, MiddlewareHandler } from 'hono';
import { API_KEY_HEADER, roleAllows, type ApiKeyRole } from '../../../shared/auth/api-key.js';
import { findApiKey } from '../../../shared/auth/api-key-store.js';
import type { Sql } from '../../../shared/db/client.js';
import { AppError } from '../../../shared/http/app-error.js';
import type { ApiKeyLookup, AppEnv } from '../app-env.js';

export interface ApiKeyAuthOptions {
  sql: Sql;
  /** true: every route that is not open needs a key of any role. */
  requireApiKey?: boolean;
  /** Routes anyone may call whatever the setting: health checks, the index, the docs. */
  isOpen?: (path: string) => boolean;
}

async function lookUp(sql: Sql, presented: string | undefined): Promise<ApiKeyLookup> {
  if (presented === undefined || presented === '') return { state: 'missing' };
  const key = await findApiKey(sql, presented);
  return key === undefined ? { state: 'unknown' } : { state: 'valid', key };
}

/**
 * Refuses the request unless its X-API-Key is a key in force whose role allows `needed`:
 * 401 without a valid key, 403 with a key of too small a role. Thrown, so the error handler
 * answers with the envelope.
 */
export async function authorize(c: Context<AppEnv>, needed: ApiKeyRole): Promise<void> {
  const lookup = await c.var.apiKey();
  if (lookup.state === 'missing')
    throw new AppError(
      401,
      'api_key_required',
      'This route needs an API key in the X-API-Key header',
    );
  if (lookup.state === 'unknown')
    throw new AppError(401, 'invalid_api_key', 'The API key is unknown or revoked');
  if (!roleAllows(lookup.key.role, needed))
    throw new AppError(
      403,
      'forbidden',
      `This route needs an ${needed} key; this is a ${lookup.key.role} key`,
    );
}

/**
 * Makes the caller's key available to later middleware (`c.var.apiKey()`, looked up once, only
 * when asked): the rate limit and apiKeyAuth both read it.
 */
export const apiKeyLookup =
  ({ sql }: Pick<ApiKeyAuthOptions, 'sql'>): MiddlewareHandler<AppEnv> =>
  (c, next) => {
    let lookup: Promise<ApiKeyLookup> | undefined;
    c.set('apiKey', () => (lookup ??= lookUp(sql, c.req.header(API_KEY_HEADER))));
    return next();
  };

/**
 * With `requireApiKey`, refuses every request to a route that is not open without a valid key
 * (looked up by apiKeyLookup, registered before it). OPTIONS passes: a CORS preflight never
 * carries credentials.
 */
export const apiKeyAuth =
  ({
    requireApiKey = false,
    isOpen = () => false,
  }: Omit<ApiKeyAuthOptions, 'sql'>): MiddlewareHandler<AppEnv> =>
  (c, next) => {
    // Not async: a request that needs no key goes on without a promise of this middleware's own.
    if (requireApiKey && c.req.method !== 'OPTIONS' && !isOpen(c.req.path))
      return authorize(c, 'read').then(next);
    return next();
  };

/**
 * A route's own requirement, for its `middleware` in createRoute: runs before the request is
 * validated, so an unauthorised caller learns nothing from validation errors.
 *
 * @example createRoute({ method: 'post', path: '/symbols', middleware: [requireRole('admin')], ... })
 */
export const requireRole =
  (role: ApiKeyRole): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    await authorize(c, role);
    await next();
  };

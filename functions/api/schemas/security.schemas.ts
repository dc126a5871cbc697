import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.js';
import { commonErrors, errorResponse } from './common.schemas.js';

/** The OpenAPI name of the X-API-Key scheme. */
export const API_KEY_SCHEME = 'ApiKey';

/** `security` of a route that needs a key. */
export const apiKeySecurity = [{ [API_KEY_SCHEME]: [] }];

export const unauthorizedResponse = errorResponse(
  'No X-API-Key header (api_key_required), or a key that is unknown or revoked (invalid_api_key)',
);
export const forbiddenResponse = errorResponse('The key is valid but its role may not do this');

/** What every admin route may answer besides its own responses. */
export const adminErrors = {
  ...commonErrors,
  401: unauthorizedResponse,
  403: forbiddenResponse,
  503: errorResponse('The database is unreachable'),
} as const;

/**
 * Declares the X-API-Key scheme, and, when the read routes need a key (REQUIRE_API_KEY=true),
 * marks every documented route that is not open as secured, with its 401. Run after every route is
 * registered. It edits only this app's registry entries (copies of the route configs that
 * `app.openapi()` makes), so apps created with other settings document their own behaviour.
 */
export function documentApiKeys(
  app: OpenAPIHono<AppEnv>,
  { requireApiKey, isOpen }: { requireApiKey: boolean; isOpen: (path: string) => boolean },
): void {
  app.openAPIRegistry.registerComponent('securitySchemes', API_KEY_SCHEME, {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
    description:
      'Created with `npm run keys -- create --role admin|read`. Admin routes need an admin key; ' +
      'the read routes need a key (any role) only where the api runs with REQUIRE_API_KEY=true.',
  });
  if (!requireApiKey) return;
  for (const definition of app.openAPIRegistry.definitions) {
    if (definition.type !== 'route' || isOpen(definition.route.path)) continue;
    definition.route.security ??= apiKeySecurity;
    definition.route.responses = { 401: unauthorizedResponse, ...definition.route.responses };
  }
}

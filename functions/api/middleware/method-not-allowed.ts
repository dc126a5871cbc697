import type { OpenAPIHono, RouteConfig } from '@hono/zod-openapi';
import { AppError } from '../../../shared/http/app-error.js';
import type { AppEnv } from '../app-env.js';
import { sendError } from './error-handler.js';

/**
 * Answers 405 with an Allow header for a known path called with another method (Hono alone
 * would say 404). Registered after the real routes, so those match first.
 */
export function registerMethodNotAllowed(
  app: OpenAPIHono<AppEnv>,
  routes: Pick<RouteConfig, 'method' | 'path'>[],
) {
  const methodsByPath = new Map<string, Set<string>>();
  for (const { method, path } of routes) {
    const honoPath = path.replace(/\{(\w+)\}/g, ':$1');
    const methods = methodsByPath.get(honoPath) ?? new Set<string>(['OPTIONS']);
    methods.add(method.toUpperCase());
    if (method === 'get') methods.add('HEAD');
    methodsByPath.set(honoPath, methods);
  }
  for (const [path, methods] of methodsByPath) {
    const allow = [...methods].sort().join(', ');
    app.all(path, (c) => {
      c.header('Allow', allow);
      if (c.req.method === 'OPTIONS') return c.body(null, 204);
      return sendError(
        c,
        new AppError(
          405,
          'method_not_allowed',
          `${c.req.method} is not allowed on ${c.req.path}; allowed: ${allow}`,
        ),
      );
    });
  }
}

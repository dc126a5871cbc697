import type { Hono } from 'hono';
import { AppError } from '../../../shared/http/app-error.js';
import type { AppEnv } from '../app-env.js';
import { sendError } from '../lib/send-error.js';

/**
 * Answers 405 with an Allow header for a known path called with another method (Hono alone would
 * say 404), and 204 with the Allow header for OPTIONS. The paths and their methods are those of the
 * routes registered so far, middleware ('*') aside: call it after every route is registered, so
 * those match first.
 */
export function registerMethodNotAllowed(app: Hono<AppEnv>) {
  const methodsByPath = new Map<string, Set<string>>();
  for (const { method, path } of app.routes) {
    if (method === 'ALL' || path.includes('*')) continue;
    const methods = methodsByPath.get(path) ?? new Set<string>(['OPTIONS']);
    methods.add(method);
    if (method === 'GET') methods.add('HEAD');
    methodsByPath.set(path, methods);
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

import type { MiddlewareHandler } from 'hono';
import { PatternRouter } from 'hono/router/pattern-router';
import { invalidParameter } from '../../../shared/http/app-error.js';
import type { AppEnv } from '../app-env.js';
import type { ApiApp } from '../lib/api-feature.js';

/** A route's query parameters, as its OpenAPI document lists them. */
interface QueryRule {
  route: string;
  allowed: ReadonlySet<string>;
}

const MAX_NAME_ECHOED = 64;

/**
 * Each documented route's query parameters, read from the zod schemas the routes register (the
 * same ones the OpenAPI document is generated from, so the two cannot disagree), without
 * generating the document: that costs some 20–50 ms, which an instance's first request would pay.
 */
function documentedQueries(app: ApiApp): Map<string, string[]> {
  const queries = new Map<string, string[]>();
  for (const definition of app.openAPIRegistry.definitions) {
    if (definition.type !== 'route') continue;
    const { method, path, request } = definition.route;
    const query = request?.query as { shape?: Record<string, unknown> } | undefined;
    queries.set(`${method.toUpperCase()} ${path}`, Object.keys(query?.shape ?? {}));
  }
  return queries;
}

/**
 * The query parameters of every route registered on `app`, as its OpenAPI document lists them; a
 * route outside the document (the docs page, its assets) takes none.
 */
function learnRules(app: ApiApp): PatternRouter<QueryRule> {
  const queries = documentedQueries(app);
  const router = new PatternRouter<QueryRule>();
  for (const { method, path } of app.routes) {
    if (method === 'ALL' || path.includes('*')) continue;
    const route = `${method} ${path.replace(/:(\w+)/g, '{$1}')}`;
    router.add(method, path, { route, allowed: new Set(queries.get(route) ?? []) });
  }
  return router;
}

/**
 * Answers a query parameter the route does not take with a 400 naming it: a misspelt `as_of` or a
 * `timezone` sent to a route without one must not silently give another answer than asked for.
 * The rules are learnt from the app on the first request with a query string, once every route
 * is registered.
 */
export function strictQuery(app: ApiApp): MiddlewareHandler<AppEnv> {
  let rules: PatternRouter<QueryRule> | undefined;
  return async (c, next) => {
    const url = c.req.url;
    const queryAt = url.indexOf('?');
    if (queryAt === -1 || queryAt === url.length - 1) return next();
    rules ??= learnRules(app);
    const method = c.req.method === 'HEAD' ? 'GET' : c.req.method;
    const [[match]] = rules.match(method, c.req.path);
    // No route (a 404 or a 405 follows), or several methods' rules: the route's own answer decides.
    if (match === undefined) return next();
    const [rule] = match;
    const unknown = [...new Set(new URLSearchParams(url.slice(queryAt + 1)).keys())]
      .filter((name) => !rule.allowed.has(name))
      // Named back to the caller: a name is cut short rather than echoed at any length.
      .map((name) => (name.length > MAX_NAME_ECHOED ? `${name.slice(0, MAX_NAME_ECHOED)}…` : name));
    const [first, ...rest] = unknown;
    if (first === undefined) return next();
    const takes =
      rule.allowed.size === 0 ? 'it takes none' : `it takes ${[...rule.allowed].join(', ')}`;
    const reason = `is not a query parameter of ${rule.route}; ${takes}`;
    throw invalidParameter(
      first,
      reason,
      rest.map((name) => ({ parameter: name, message: reason })),
    );
  };
}

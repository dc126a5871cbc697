import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Registry } from 'prom-client';
import type { Sql } from '../../../shared/db/client.js';
import type { ReadReplica } from '../../../shared/db/read-replica.js';
import type { ApiSettings, AppEnv } from '../app-env.js';

export type ApiApp = OpenAPIHono<AppEnv>;

/** What a feature's routes are given: the app's dependencies, every setting resolved. */
export interface FeatureContext extends ApiSettings {
  /** The app's metrics registry: request metrics are recorded there, GET /metrics serves it. */
  metrics: Registry;
  /**
   * The pool a read route reads from, asked once per request: the replica while it keeps up, else
   * the primary (`sql`). Writes and admin routes use `sql`.
   */
  reader: () => Sql;
  /** The replica's router, when DATABASE_READ_URL is set: /health reports it. */
  readReplica: ReadReplica | undefined;
  /** Every feature's index entries, for GET /. */
  index: Readonly<Record<string, string>>;
}

/**
 * A feature of the api: one folder under routes/ and one entry in routes/index.ts. From the list
 * the app derives what would otherwise be kept in step by hand: the index at GET /, the paths open
 * without a key, and (from the routes registered) the Allow header of every 405.
 *
 * @example
 * export const quotesFeature: ApiFeature = {
 *   index: { quotes: '/quotes?symbol={symbol}' },
 *   register(app, { sql }) { app.openapi(quotesRoute, async (c) => c.json(await ..., 200)); },
 * };
 */
export interface ApiFeature {
  /** How to call the feature's routes, for the index at GET / (name → call). */
  index?: Readonly<Record<string, string>>;
  /** Paths anyone may call even with REQUIRE_API_KEY=true; `/prefix/*` opens every path below. */
  openPaths?: readonly string[];
  register(app: ApiApp, context: FeatureContext): void;
}

/** Whether a request path is one of `openPaths`. */
export function openPathMatcher(openPaths: readonly string[]): (path: string) => boolean {
  const exact = new Set(openPaths.filter((path) => !path.endsWith('/*')));
  const prefixes = openPaths.filter((path) => path.endsWith('/*')).map((path) => path.slice(0, -1));
  return (path) => exact.has(path) || prefixes.some((prefix) => path.startsWith(prefix));
}

import type { Context } from 'hono';
import { routePath } from 'hono/route';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { AppEnv } from '../app-env.js';

/** Records one answered request: its route, method and status, and how long it took. */
export type RecordRequest = (c: Context<AppEnv>, seconds: number) => void;

/**
 * Counts requests and times them by route pattern and status, in `registry`. The route is the
 * matched pattern (`/price/latest`), never the raw path, so hostile URLs cannot grow the label set.
 * Called by the request-context middleware once the answer is ready, not as a middleware of its
 * own: each middleware level costs a request several promises (docs/benchmarks.md).
 */
export function createRequestMetrics(registry: Registry): RecordRequest {
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request',
    labelNames,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return (c, seconds) => {
    // The last matched route is the handler's; only middleware matched ('*') means no route did.
    const matched = routePath(c, -1);
    const route = matched === '*' || matched === '/*' ? 'unmatched' : matched;
    const labels = { method: c.req.method, route, status: String(c.res.status) };
    requests.inc(labels);
    duration.observe(labels, seconds);
  };
}

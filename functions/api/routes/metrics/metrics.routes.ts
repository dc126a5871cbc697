import { createRoute, z } from '@hono/zod-openapi';
import { collectDefaultMetrics, Counter, Gauge, type Registry } from 'prom-client';
import { countAnomalies } from '../../../../shared/alerts/anomalies-page.queries.js';
import type { Sql } from '../../../../shared/db/client.js';
import {
  fetchFreshness,
  type SymbolFreshness,
} from '../../../../shared/prices/freshness.queries.js';
import type { ApiFeature } from '../../lib/api-feature.js';
import { commonErrors } from '../../schemas/common.schemas.js';

export const metricsRoute = createRoute({
  method: 'get',
  path: '/metrics',
  summary:
    'Prometheus metrics: requests, latency, process, data freshness per symbol, anomalies recorded',
  responses: {
    ...commonErrors,
    200: {
      description: 'Prometheus text exposition format',
      content: { 'text/plain': { schema: z.string() } },
    },
  },
});

/**
 * Freshness gauges read from the database at scrape time: every instance reports the same truth.
 * prom-client collects all metrics at once, so both gauges await one shared query per scrape.
 */
function registerFreshnessGauges(registry: Registry, reader: () => Sql) {
  let pending: ReturnType<typeof fetchFreshness> | undefined;
  const snapshot = () =>
    (pending ??= fetchFreshness(reader()).finally(() => {
      pending = undefined;
    }));
  const gauge = (name: string, help: string, value: (s: SymbolFreshness) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ['symbol'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const s of (await snapshot()).symbols) {
          const v = value(s);
          if (v !== null) this.set({ symbol: s.symbol }, v);
        }
      },
    });
  gauge(
    'market_data_last_trade_timestamp_seconds',
    'Unix time of the newest stored trade, per symbol',
    (s) => (s.lastTradeAt === null ? null : s.lastTradeAt.getTime() / 1000),
  );
  gauge(
    'market_data_staleness_seconds',
    'Age of the newest stored trade, per symbol',
    (s) => s.stalenessSeconds,
  );
}

/**
 * Anomalies recorded, by kind and severity, counted in the database at scrape time: every instance
 * reports the same total, which only grows (anomalies are never deleted), as a counter's must.
 */
function registerAnomalyCounter(registry: Registry, reader: () => Sql) {
  new Counter({
    name: 'market_data_anomalies_total',
    help: 'Anomalies recorded (GET /anomalies), by kind and severity',
    labelNames: ['kind', 'severity'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const { kind, severity, count } of await countAnomalies(reader()))
        this.inc({ kind, severity }, count);
    },
  });
}

/** GET /metrics: the app's registry, with process metrics and data freshness added. */
export const metricsFeature: ApiFeature = {
  index: { metrics: '/metrics' },
  register(app, { reader, metrics }) {
    collectDefaultMetrics({ register: metrics });
    registerFreshnessGauges(metrics, reader);
    registerAnomalyCounter(metrics, reader);
    app.openapi(metricsRoute, async (c) => {
      const body = await metrics.metrics();
      return c.text(body, 200, { 'content-type': metrics.contentType });
    });
  },
};

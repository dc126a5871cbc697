/**
 * The served side of anomalies against a real PostgreSQL, anomalies recorded by persist itself:
 * GET /anomalies (filters, keyset pages, 400s), GET/PUT /admin/alert-rules (and persist following
 * an override), market_data_anomalies_total in /metrics, alert events on /stream.
 */
import { http } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApiFunction } from '../../functions/api/api-function.js';
import { createApp } from '../../functions/api/app.js';
import { createPersistHandler } from '../../functions/persist/persist.handler.js';
import { alertMessageSchema } from '../../shared/alerts/alert-message.js';
import type { AlertSettings } from '../../shared/alerts/alert-rules.js';
import { createApiKey } from '../../shared/auth/api-key-store.js';
import { loadApiConfig, loadPersistConfig } from '../../shared/config/function-config.js';
import { captureLogger } from '../support/capture-logger.js';
import { close, listen } from '../support/http-server.js';
import { pubsubEvent } from '../support/pubsub-event.js';
import { readSse, type SseStream } from '../support/sse-stream.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let db: TestDatabase;
let app: ReturnType<typeof createApp>;
let admin: Record<string, string>;
let reader: Record<string, string>;
const streams: SseStream[] = [];
beforeAll(async () => {
  db = await createTestDatabase();
  app = createApp({ sql: db.sql, logger: captureLogger().logger });
  admin = { 'x-api-key': (await createApiKey(db.sql, { role: 'admin', name: 'ops' })).key };
  reader = { 'x-api-key': (await createApiKey(db.sql, { role: 'read' })).key };
});
afterAll(async () => {
  await Promise.all(streams.map((stream) => stream.close()));
  await db.drop();
});
beforeEach(async () => {
  await db.sql`truncate trades, latest_prices, trade_counts, symbols cascade`;
  await db.sql`insert into symbols (symbol, name) values ('AAPL', 'Apple'), ('MSFT', 'Microsoft')`;
});

let sequence = 0;
/** Stores ten quiet trades of `symbol`, then one `jump` percent above them (persist with `settings`). */
async function spike(symbol: string, jump: number, settings?: AlertSettings) {
  const start = Date.now() - 60_000 - sequence * 10;
  const trades = Array.from({ length: 11 }, (_, i) => ({
    trade_id: `${symbol}-${++sequence}`,
    symbol,
    price: i === 10 ? (100 * (1 + jump / 100)).toFixed(2) : '100.00',
    volume: '1000',
    ts: new Date(start + i * 1_000).toISOString(),
  }));
  await createPersistHandler({
    sql: db.sql,
    logger: captureLogger().logger,
    ...(settings && { alertSettings: settings }),
  })(pubsubEvent({ v: 1, source: 'test', trades }));
}

interface Page {
  count: number;
  anomalies: { id: string; symbol: string; kind: string; severity: string; observed: string }[];
  next_cursor: string | null;
}
const get = async (path: string) => {
  const response = await app.request(path);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe('GET /anomalies', () => {
  it('lists newest first, filtered, a page at a time, each anomaly once', async () => {
    for (const [symbol, jump] of [
      ['AAPL', 6],
      ['MSFT', 7],
      ['AAPL', 12],
      ['AAPL', 8],
      ['MSFT', 9],
    ] as const)
      await spike(symbol, jump);
    const { body: all } = await get('/anomalies');
    expect((all as unknown as Page).anomalies.map((a) => [a.symbol, a.severity])).toEqual([
      ['MSFT', 'warning'],
      ['AAPL', 'warning'],
      ['AAPL', 'critical'],
      ['MSFT', 'warning'],
      ['AAPL', 'warning'],
    ]);
    const seen: string[] = [];
    let path = '/anomalies?symbol=aapl&kind=price_spike&limit=2';
    for (;;) {
      const { status, body } = await get(path);
      expect(status).toBe(200);
      const page = body as unknown as Page;
      seen.push(...page.anomalies.map((a) => `${a.symbol}:${a.observed}`));
      if (page.next_cursor === null) break;
      expect(page.count).toBe(2);
      path = `/anomalies?symbol=AAPL&kind=price_spike&limit=2&cursor=${page.next_cursor}`;
    }
    expect(seen).toEqual(['AAPL:8', 'AAPL:12', 'AAPL:6']);
    const { body: none } = await get(
      `/anomalies?since=${new Date(Date.now() + 60_000).toISOString()}`,
    );
    expect(none).toMatchObject({ count: 0, anomalies: [], next_cursor: null });
    const { body: stale } = await get('/anomalies?kind=stale_feed');
    expect(stale).toMatchObject({ count: 0 });
  });

  it('a cursor of another query is refused, not misapplied', async () => {
    await spike('AAPL', 6);
    await spike('AAPL', 7);
    const { body } = await get('/anomalies?symbol=AAPL&limit=1');
    const cursor = (body as unknown as Page).next_cursor ?? '';
    expect(cursor).not.toBe('');
    const { status, body: error } = await get(`/anomalies?symbol=MSFT&limit=1&cursor=${cursor}`);
    expect(status).toBe(400);
    expect(error.error).toBe('invalid_parameter');
    expect(error.message).toContain('cursor');
  });

  it.each([
    ['/anomalies?kind=meteor', 'kind'],
    ['/anomalies?since=yesterday', 'since'],
    ['/anomalies?since=2026-11-21T16:00:00', 'since'],
    ['/anomalies?limit=0', 'limit'],
    ['/anomalies?limit=1001', 'limit'],
    ['/anomalies?symbol=no%20such', 'symbol'],
    ['/anomalies?cursor=%%%', 'cursor'],
    ['/anomalies?cursor=bm90IGEgY3Vyc29y', 'cursor'],
    ['/anomalies?severity=critical', 'severity'],
  ])('%s → 400 naming %s', async (path, parameter) => {
    const { status, body } = await get(path);
    expect(status).toBe(400);
    expect(body.status).toBe(400);
    expect(JSON.stringify(body)).toContain(parameter);
  });

  it('an unknown symbol is 404', async () => {
    const { status, body } = await get('/anomalies?symbol=NOPE');
    expect(status).toBe(404);
    expect(body.error).toBe('symbol_not_found');
  });
});

describe('GET/PUT /admin/alert-rules', () => {
  /** The ALERT_* defaults when nothing is set (README "Alerts"). */
  const DEFAULTS = {
    price_spike_percent: 5,
    volume_spike_ratio: 3,
    rsi_high: 70,
    rsi_low: 30,
    ingest_lag_seconds: 30,
    stale_after_intervals: 3,
  };
  const put = (body: unknown, headers = admin) =>
    app.request('/admin/alert-rules', {
      method: 'PUT',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('an override is listed, applied by persist at its next batch, and removed by a PUT of none', async () => {
    const response = await put({
      symbol: 'aapl',
      price_spike_percent: 20,
      stale_after_intervals: 10,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      symbol: 'AAPL',
      price_spike_percent: 20,
      volume_spike_ratio: null,
      stale_after_intervals: 10,
    });
    // The defaults, and AAPL's overrides with the thresholds in force for it.
    const listed = await app.request('/admin/alert-rules', { headers: admin });
    expect(await listed.json()).toEqual({
      defaults: DEFAULTS,
      count: 1,
      rules: [
        {
          symbol: 'AAPL',
          price_spike_percent: 20,
          volume_spike_ratio: null,
          rsi_high: null,
          rsi_low: null,
          ingest_lag_seconds: null,
          stale_after_intervals: 10,
          updated_at: expect.stringMatching(/Z$/) as unknown,
          effective: { ...DEFAULTS, price_spike_percent: 20, stale_after_intervals: 10 },
        },
      ],
    });
    // 12 % is under AAPL's 20 %, over MSFT's default 5 %.
    await spike('AAPL', 12);
    await spike('MSFT', 12);
    const { body } = await get('/anomalies');
    expect((body as unknown as Page).anomalies.map((a) => a.symbol)).toEqual(['MSFT']);

    expect((await put({ symbol: 'AAPL' })).status).toBe(200);
    expect(await (await app.request('/admin/alert-rules', { headers: admin })).json()).toEqual({
      defaults: DEFAULTS,
      count: 0,
      rules: [],
    });
    await spike('AAPL', 12);
    expect(((await get('/anomalies?symbol=AAPL')).body as unknown as Page).count).toBe(1);
  });

  it('shows the thresholds the environment sets, as persist applies them: the api reads the same ALERT_* settings', async () => {
    const env = {
      DATABASE_URL: db.url,
      LOG_LEVEL: 'error',
      ALERT_PRICE_SPIKE_PERCENT: '8',
      ALERT_RSI_HIGH: '75.5',
      ALERT_STALE_AFTER_INTERVALS: '5',
      // Persist's own settings, which the api does not read.
      ALERT_RSI_INTERVALS: '1m,5m',
    };
    // The api as deployed, from the environment, through the Functions Framework.
    http('api-alert-rules', createApiFunction(loadApiConfig(env)));
    const server = getTestServer('api-alert-rules');
    const base = await listen(server);
    try {
      expect((await put({ symbol: 'MSFT', price_spike_percent: 6 })).status).toBe(200);
      const response = await fetch(`${base}/admin/alert-rules`, { headers: admin });
      const configured = {
        ...DEFAULTS,
        price_spike_percent: 8,
        rsi_high: 75.5,
        stale_after_intervals: 5,
      };
      expect(await response.json()).toMatchObject({
        defaults: configured,
        count: 1,
        rules: [
          {
            symbol: 'MSFT',
            price_spike_percent: 6,
            effective: { ...configured, price_spike_percent: 6 },
          },
        ],
      });

      // Persist, from the same environment: a 7 % jump is under AAPL's 8 %, over MSFT's 6 %.
      const persistSettings = loadPersistConfig(env);
      await spike('AAPL', 7, persistSettings);
      await spike('MSFT', 7, persistSettings);
      const { body } = await get('/anomalies?kind=price_spike');
      expect((body as unknown as Page).anomalies.map((a) => a.symbol)).toEqual(['MSFT']);
    } finally {
      await close(server);
      await put({ symbol: 'MSFT' });
    }
  });

  it.each([
    [{ symbol: 'AAPL', price_spike_percent: 0 }, 'price_spike_percent'],
    [{ symbol: 'AAPL', volume_spike_ratio: 1 }, 'volume_spike_ratio'],
    [{ symbol: 'AAPL', rsi_high: 40 }, 'rsi_high'],
    [{ symbol: 'AAPL', rsi_low: 55 }, 'rsi_low'],
    [{ symbol: 'AAPL', stale_after_intervals: 2.5 }, 'stale_after_intervals'],
    [{ symbol: 'AAPL', ingest_lag_seconds: '30' }, 'ingest_lag_seconds'],
    [{ symbol: 'AAPL', cooldown: 5 }, 'cooldown'],
    [{ price_spike_percent: 5 }, 'symbol'],
  ])('%j → 400 naming %s', async (body, parameter) => {
    const response = await put(body);
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toContain(parameter);
  });

  it('an unknown symbol is 404; a read key is 403; no key 401', async () => {
    expect((await put({ symbol: 'NOPE', rsi_high: 80 })).status).toBe(404);
    expect((await put({ symbol: 'AAPL', rsi_high: 80 }, reader)).status).toBe(403);
    expect((await app.request('/admin/alert-rules')).status).toBe(401);
  });
});

describe('anomalies in /metrics and on /stream', () => {
  it('market_data_anomalies_total counts the recorded anomalies by kind and severity', async () => {
    await spike('AAPL', 6);
    await spike('AAPL', 7);
    await spike('MSFT', 15);
    const text = await (await app.request('/metrics')).text();
    expect(text).toContain('# TYPE market_data_anomalies_total counter');
    expect(text).toContain('market_data_anomalies_total{kind="price_spike",severity="warning"} 2');
    expect(text).toContain('market_data_anomalies_total{kind="price_spike",severity="critical"} 1');
  });

  it('sends an alert event to a stream of the symbol that asked for alerts, live', async () => {
    await spike('MSFT', 1);
    const alerts = readSse(await app.request('/stream?symbols=AAPL&events=trades,alerts'));
    const tradesOnly = readSse(await app.request('/stream?symbols=AAPL'));
    const other = readSse(await app.request('/stream?symbols=MSFT&events=alerts'));
    streams.push(alerts, tradesOnly, other);
    await Promise.all([alerts.live(), tradesOnly.live(), other.live()]);
    await spike('AAPL', 9);
    await alerts.until((events) => events.some((event) => event.event === 'alert'));
    const [event] = alerts.events.filter((e) => e.event === 'alert');
    const message = alertMessageSchema.parse(JSON.parse(event?.data ?? ''));
    expect(message).toMatchObject({
      symbol: 'AAPL',
      kind: 'price_spike',
      event: 'detected',
      severity: 'warning',
    });
    expect(event?.id).toBeUndefined();
    await tradesOnly.until((events) => events.filter((e) => e.event === 'trade').length === 11);
    expect(tradesOnly.events.some((e) => e.event === 'alert')).toBe(false);
    expect(other.events.some((e) => e.event === 'alert')).toBe(false);
  });
});

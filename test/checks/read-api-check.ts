/**
 * Issue 3's "done when", against a running stack: trades this check publishes itself through
 * persist, then /trades walked both ways, /candles for every interval against an exact independent
 * computation (twice: computed, then stored), fill=previous contiguity, bad input, and the
 * status, OpenAPI, docs and metrics routes. Throws on the first difference.
 */
import { deepStrictEqual, equal, ok } from 'node:assert/strict';
import { createDirectPushPublisher } from '../../shared/messaging/direct-push-publisher.js';
import { INTERVAL_NAMES, INTERVALS } from '../../shared/market/candle-intervals.js';
import { fromUnits, referenceCandles, type ReferenceTrade } from '../support/exact-candles.js';

export interface ReadApiCheckOptions {
  apiUrl: string;
  /** persist's push endpoint: the check's trades go through persist like any message. */
  persistUrl: string;
  symbol: string;
  log?: (line: string) => void;
}

interface PublishedTrade extends ReferenceTrade {
  tradeId: string;
}

const DAY = 86_400_000;
const WEEK = 7 * DAY;

async function getJson<T>(url: string, expectedStatus = 200): Promise<T> {
  const response = await fetch(url);
  const body = (await response.json()) as T;
  equal(response.status, expectedStatus, `${url} → ${response.status}: ${JSON.stringify(body)}`);
  return body;
}

/**
 * A week of its own, on Monday 00:00Z somewhere in 2001–2020: no ingest run reaches that far back,
 * so the check's trades are the only ones in it, and each run picks another week.
 */
function pickWindow(): { startMs: number; endMs: number } {
  const firstMonday = Date.UTC(2001, 0, 1);
  const weeks = Math.floor((Date.UTC(2020, 11, 28) - firstMonday) / WEEK);
  const startMs = firstMonday + Math.floor(Math.random() * weeks) * WEEK;
  return { startMs, endMs: startMs + 2 * WEEK };
}

/** Trades biased to what breaks candles: bucket edges, ties, tiny prices, quiet stretches. */
function generateTrades(symbol: string, startMs: number, runId: string): PublishedTrade[] {
  const trades: PublishedTrade[] = [];
  const random = (n: number) => Math.floor(Math.random() * n);
  for (let i = 0; i < 1_500; i++) {
    const kind = i % 5;
    const offset =
      kind === 0
        ? random(WEEK / 60_000) * 60_000 // on a minute edge
        : kind === 1
          ? random(WEEK / 3_600_000) * 3_600_000 + 3_600_000 - 1 // a millisecond before an hour
          : kind === 2 && trades.length > 0
            ? (trades.at(-1)?.tsMs ?? startMs) - startMs // a tie with the previous trade
            : random(WEEK);
    const units = kind === 3 ? BigInt(1 + random(999)) : BigInt(1 + random(50_000 * 1e8));
    trades.push({
      tradeId: `${symbol}-check-${runId}-${i}`,
      tsMs: startMs + offset,
      price: fromUnits(units),
      volume: fromUnits(BigInt(1 + random(1e8 * 100))),
    });
  }
  // The second week stays empty but for one trade: fill=previous has gaps to fill.
  trades.push({
    tradeId: `${symbol}-check-${runId}-last`,
    tsMs: startMs + WEEK + 3 * DAY + 1_234,
    price: '42',
    volume: '1',
  });
  return trades;
}

export async function checkReadApi({
  apiUrl,
  persistUrl,
  symbol,
  log = () => undefined,
}: ReadApiCheckOptions): Promise<void> {
  const { startMs, endMs } = pickWindow();
  const runId = Math.random().toString(36).slice(2, 8);
  const trades = generateTrades(symbol, startMs, runId);
  const range = `start=${new Date(startMs).toISOString()}&end=${new Date(endMs).toISOString()}`;

  const publisher = createDirectPushPublisher(persistUrl, 'read-api-check');
  for (let i = 0; i < trades.length; i += 500) {
    await publisher.publish(
      {
        v: 1,
        source: 'read-api-check',
        trades: trades.slice(i, i + 500).map((t) => ({
          trade_id: t.tradeId,
          symbol,
          price: t.price,
          volume: t.volume,
          ts: new Date(t.tsMs).toISOString(),
        })),
      },
      symbol,
    );
  }
  log(`published ${trades.length} trades for ${symbol} in ${new Date(startMs).toISOString()}…`);

  // Publish order decides ties, as it does in the database.
  const inOrder = trades
    .map((trade, order) => ({ ...trade, order }))
    .sort((a, b) => a.tsMs - b.tsMs || a.order - b.order)
    .map((t) => t.tradeId);
  for (const order of ['asc', 'desc'] as const) {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const cursorParam: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
      const page: { trades: { trade_id: string }[]; next_cursor: string | null } = await getJson(
        `${apiUrl}/trades?symbol=${symbol}&${range}&order=${order}&limit=97${cursorParam}`,
      );
      seen.push(...page.trades.map((t) => t.trade_id));
      cursor = page.next_cursor;
      pages++;
    } while (cursor !== null);
    deepStrictEqual(seen, order === 'asc' ? inOrder : [...inOrder].reverse(), `/trades ${order}`);
    log(`/trades order=${order}: ${seen.length} trades in ${pages} pages, each once, in order`);
  }

  for (const pass of ['computed', 'stored']) {
    for (const interval of INTERVAL_NAMES) {
      // 1m and 3m span more than 5000 buckets: follow next_start to the end of the range.
      const candles: unknown[] = [];
      let from: string | null = new Date(startMs).toISOString();
      while (from !== null) {
        const page: { candles: unknown[]; next_start: string | null } = await getJson(
          `${apiUrl}/candles?symbol=${symbol}&interval=${interval}&start=${from}&end=${new Date(endMs).toISOString()}&limit=5000`,
        );
        candles.push(...page.candles);
        from = page.next_start;
      }
      const expected = referenceCandles(trades, INTERVALS[interval]);
      deepStrictEqual(candles, expected, `/candles interval=${interval} (${pass})`);
    }
    log(`/candles: all ${INTERVAL_NAMES.length} intervals equal the exact computation (${pass})`);
  }

  for (const interval of ['1h', '4h', '1d'] as const) {
    const body = await getJson<{ candles: { timestamp: string }[] }>(
      `${apiUrl}/candles?symbol=${symbol}&interval=${interval}&${range}&limit=5000&fill=previous`,
    );
    const starts = body.candles.map((c) => Date.parse(c.timestamp));
    ok(starts.length > 0, `fill=previous ${interval}: no candles`);
    starts.forEach((start, i) => {
      if (i > 0) equal(start - (starts[i - 1] ?? 0), INTERVALS[interval], `gap at ${interval}`);
    });
    equal((starts.at(-1) ?? 0) + INTERVALS[interval], endMs, `fill=previous ${interval} end`);
  }
  log('fill=previous: contiguous buckets up to the end of the range');

  const bad = [
    `/trades?symbol=${symbol}&limit=0`,
    `/trades?symbol=${symbol}&limit=1001`,
    `/trades?symbol=${symbol}&order=sideways`,
    `/trades?symbol=${symbol}&cursor=tampered`,
    `/trades?symbol=${symbol}&start=2026-02-30T00:00:00Z`,
    `/candles?symbol=${symbol}&interval=1441m`,
    `/candles?symbol=${symbol}&interval=13M`,
    `/candles?symbol=${symbol}&interval=1m&as_off=2026-01-01T00:00:00Z`,
    `/candles?symbol=${symbol}&interval=1m&limit=5001`,
    `/candles?symbol=${symbol}&interval=1m&fill=next`,
    `/candles?symbol=${symbol}&interval=1m&start=2026-01-02T00:00:00Z&end=2026-01-01T00:00:00Z`,
    `/candles?symbol=bad$ymbol&interval=1m`,
    `/price/latest`,
  ];
  for (const path of bad) {
    const body = await getJson<Record<string, unknown>>(`${apiUrl}${path}`, 400);
    deepStrictEqual(
      Object.keys(body).sort(),
      ['detail', 'details', 'error', 'message', 'request_id', 'status'],
      path,
    );
  }
  log(`bad input: ${bad.length} requests, each a 400 envelope`);

  const status = await getJson<{ status: string; symbols: unknown[] }>(
    `${apiUrl}/status/ingestion`,
  );
  equal(status.status, 'ok', '/status/ingestion');
  const openapi = await getJson<{ openapi: string; paths: Record<string, unknown> }>(
    `${apiUrl}/openapi.json`,
  );
  ok(openapi.openapi.startsWith('3.'), '/openapi.json is OpenAPI 3');
  for (const path of ['/trades', '/candles', '/status/ingestion', '/metrics', '/price/latest']) {
    ok(path in openapi.paths, `/openapi.json documents ${path}`);
  }
  const docs = await fetch(`${apiUrl}/docs`);
  ok(docs.ok && (await docs.text()).includes('swagger-ui'), '/docs serves Swagger UI');
  const metrics = await (await fetch(`${apiUrl}/metrics`)).text();
  for (const name of [
    'http_requests_total',
    'http_request_duration_seconds',
    'market_data_staleness_seconds',
  ]) {
    ok(metrics.includes(name), `/metrics has ${name}`);
  }
  log('/status/ingestion ok; /openapi.json, /docs and /metrics answer');
}

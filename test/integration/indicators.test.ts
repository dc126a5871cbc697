/**
 * GET /indicators against a real PostgreSQL, trades stored through persist: the same value at a
 * timestamp whatever range is asked for, equal to the indicator computed here over the symbol's
 * whole history, a warm-up found however sparse the trading, and every bad parameter a 400 that
 * names it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../functions/api/app.js';
import { createPersistHandler } from '../../functions/persist/persist.handler.js';
import {
  computeIndicator,
  type IndicatorInput,
  type IndicatorValue,
} from '../../shared/indicators/compute-indicator.js';
import type { IndicatorSpec } from '../../shared/indicators/indicator-spec.js';
import { captureLogger } from '../support/capture-logger.js';
import { pubsubEvent } from '../support/pubsub-event.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const MINUTE = 60_000;
/** A Monday: trading starts on a 1024-minute block boundary's far side, so requests cross blocks. */
const START = Date.parse('2026-11-02T00:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const DENSE_MINUTES = 3_000;
const SPARSE_MINUTES = 400 * 97;

let db: TestDatabase;
let app: ReturnType<typeof createApp>;

interface Answer {
  count: number;
  values: { timestamp: string; value: string | Record<string, string> }[];
  next_start: string | null;
}

async function get(
  path: string,
): Promise<{ status: number; body: Answer & Record<string, unknown> }> {
  const response = await app.request(path);
  return {
    status: response.status,
    body: (await response.json()) as Answer & Record<string, unknown>,
  };
}

/** Publishes trades through persist in batches, as ingest would. */
async function store(symbol: string, trades: { ts: number; price: string }[]) {
  published.set(symbol, trades);
  const persist = createPersistHandler({ sql: db.sql, logger: captureLogger().logger });
  for (let i = 0; i < trades.length; i += 1_000) {
    const batch = trades.slice(i, i + 1_000).map((t, j) => ({
      trade_id: `${symbol}-${i + j}`,
      symbol,
      price: t.price,
      volume: String(1 + ((i + j) % 7)),
      ts: iso(t.ts),
    }));
    await persist(pubsubEvent({ v: 1, source: 'test', trades: batch }));
  }
}

/** Deterministic wandering prices, a few trades a minute, some minutes without any. */
function walk(minutes: number, everyMinutes = 1) {
  const trades: { ts: number; price: string }[] = [];
  let price = 100;
  for (let m = 0; m < minutes; m += everyMinutes) {
    if (everyMinutes === 1 && m % 17 === 5) continue;
    for (let t = 0; t < 3; t++) {
      price *= 1 + Math.sin(m * 7.3 + t * 1.7) * 0.004;
      trades.push({ ts: START + m * MINUTE + t * 15_000, price: price.toFixed(4) });
    }
  }
  return trades;
}

beforeAll(async () => {
  db = await createTestDatabase();
  app = createApp({ sql: db.sql, logger: captureLogger().logger });
  await db.sql`insert into symbols (symbol, name) values ('DENSE', 'Dense'), ('SPARSE', 'Sparse'), ('QUIET', 'Quiet')`;
  await store('DENSE', walk(DENSE_MINUTES));
  // One minute in every 97 traded: a warm-up of ~80 candles spans days.
  await store('SPARSE', walk(SPARSE_MINUTES, 97));
}, 120_000);
afterAll(() => db.drop());

const published = new Map<string, { ts: number; price: string }[]>();

/**
 * The indicator over the symbol's whole history, from 1m candles built here from the trades
 * published (with fill, every minute after the first trade, empty ones at the last close).
 */
function wholeHistory(symbol: string, spec: IndicatorSpec, fill = 'none') {
  const candles = new Map<number, IndicatorInput>();
  for (const { ts, price } of published.get(symbol) ?? []) {
    const bucket = Math.floor(ts / MINUTE) * MINUTE;
    const value = Number(price);
    const candle = candles.get(bucket);
    if (candle === undefined)
      candles.set(bucket, { timeMs: bucket, open: value, high: value, low: value, close: value });
    else
      candles.set(bucket, {
        ...candle,
        high: Math.max(candle.high, value),
        low: Math.min(candle.low, value),
        close: value,
      });
  }
  let inputs = [...candles.values()];
  if (fill === 'previous') {
    const filled: IndicatorInput[] = [];
    for (const candle of inputs) {
      const last = filled.at(-1);
      for (let t = (last?.timeMs ?? candle.timeMs) + MINUTE; last && t < candle.timeMs; t += MINUTE)
        filled.push({
          timeMs: t,
          open: last.close,
          high: last.close,
          low: last.close,
          close: last.close,
        });
      filled.push(candle);
    }
    inputs = filled;
  }
  return new Map(computeIndicator(spec, inputs).map(({ timeMs, value }) => [iso(timeMs), value]));
}

const partsOf = (value: string | Record<string, string>) =>
  typeof value === 'string' ? [Number(value)] : Object.values(value).map(Number);
const numbersOf = (value: IndicatorValue) =>
  typeof value === 'number' ? [value] : Object.values(value);

/** Every value of `answer` agrees with the whole history's to 8 significant digits (near zero: of the price). */
function expectAgreement(answer: Answer, whole: Map<string, IndicatorValue>) {
  for (const { timestamp, value } of answer.values) {
    const reference = whole.get(timestamp);
    expect(reference, timestamp).toBeDefined();
    const exact = numbersOf(reference ?? 0);
    partsOf(value).forEach((part, i) => {
      const want = exact[i] ?? Number.NaN;
      expect(Math.abs(part - want), `${timestamp} part ${i}`).toBeLessThanOrEqual(
        1e-8 * Math.max(Math.abs(want), 1e-4),
      );
    });
  }
}

describe('GET /indicators', () => {
  it.each([
    ['rsi', 'type=rsi&window=14', { type: 'rsi', window: 14, series: 'close' }],
    ['macd', 'type=macd', { type: 'macd', short: 12, long: 26, signal: 9, series: 'close' }],
    [
      'ema of the open',
      'type=ema&window=9&series=open',
      { type: 'ema', window: 9, series: 'open' },
    ],
    [
      'bbands',
      'type=bbands&window=20&k=2.5',
      { type: 'bbands', window: 20, k: 2.5, series: 'close' },
    ],
    ['atr', 'type=atr&window=10', { type: 'atr', window: 10 }],
    ['stoch', 'type=stoch', { type: 'stoch', k: 14, d: 3, smooth: 3 }],
  ] as const)(
    '%s: the same value at a timestamp whatever the range, equal to the whole history’s',
    async (_name, params, spec) => {
      const whole = wholeHistory('DENSE', spec);
      const byStart = new Map<string, string>();
      // Ranges that start before, at and after the history's first candles, across block edges.
      for (const [from, to] of [
        [-100, 400],
        [0, 1_500],
        [333, 1_200],
        [1_023, 2_100],
        [1_900, 3_000],
      ] as const) {
        const { status, body } = await get(
          `/indicators?symbol=dense&interval=1m&${params}&start=${iso(START + from * MINUTE)}&end=${iso(START + to * MINUTE)}&limit=5000`,
        );
        expect(status).toBe(200);
        expect(body.count).toBe(body.values.length);
        expect(body.count).toBeGreaterThan(0);
        for (const { timestamp, value } of body.values) {
          const text = JSON.stringify(value);
          expect(byStart.get(timestamp) ?? text, timestamp).toBe(text);
          byStart.set(timestamp, text);
        }
        expectAgreement(body, whole);
        // Every candle of the range whose indicator the whole history defines has its value.
        const expected = [...whole.keys()].filter(
          (t) => Date.parse(t) >= START + from * MINUTE && Date.parse(t) < START + to * MINUTE,
        );
        expect(body.values.map((v) => v.timestamp)).toEqual(expected);
      }
    },
  );

  it('reaches back as far as the warm-up needs when trading is sparse', async () => {
    const spec = { type: 'ema', window: 5, series: 'close' } as const;
    const whole = wholeHistory('SPARSE', spec);
    const from = START + 200 * 97 * MINUTE;
    // The warm-up (85 candles of EMA(5)) lies 8,000 minutes back, past any guess by the minute.
    const { body } = await get(
      `/indicators?symbol=SPARSE&interval=1m&type=ema&window=5&start=${iso(from)}&end=${iso(from + 5_000 * MINUTE)}&limit=5000`,
    );
    expect(body.count).toBeGreaterThan(40);
    expectAgreement(body, whole);
  });

  it('a range far from any trade costs its warm-up, not the years between (found by the fuzz test)', async () => {
    const { status, body } = await get(
      '/indicators?symbol=DENSE&interval=1m&type=ema&window=5&end=9999-12-31T00:00:00Z',
    );
    expect(status).toBe(200);
    expect(body.count).toBe(0);
  });

  it('with fill=previous, computes over the filled candles', async () => {
    const spec = { type: 'sma', window: 30, series: 'close' } as const;
    const whole = wholeHistory('DENSE', spec, 'previous');
    const { body } = await get(
      `/indicators?symbol=DENSE&interval=1m&type=sma&window=30&fill=previous&start=${iso(START + 50 * MINUTE)}&end=${iso(START + 900 * MINUTE)}&limit=5000`,
    );
    expect(body.count).toBe(850);
    expectAgreement(body, whole);
  });

  it('answers the parameters it used, and pages like /candles', async () => {
    const { body } = await get(
      `/indicators?symbol=DENSE&interval=1m&type=macd&start=${iso(START)}&end=${iso(START + 3_000 * MINUTE)}&limit=1000`,
    );
    expect(body).toMatchObject({
      type: 'macd',
      params: { short: 12, long: 26, signal: 9, series: 'close' },
      next_start: iso(START + 1_000 * MINUTE),
    });
  });

  it('an unknown symbol is a 404, a known one without trades an empty list', async () => {
    expect((await get('/indicators?symbol=NOPE&interval=1m&type=sma')).status).toBe(404);
    const quiet = await get('/indicators?symbol=QUIET&interval=1m&type=sma');
    expect(quiet).toMatchObject({ status: 200, body: { count: 0, values: [] } });
  });

  it.each([
    ['', 'type'],
    ['type=vwap', 'type'],
    ['type=sma&window=0', 'window'],
    ['type=sma&window=501', 'window'],
    ['type=sma&window=2.5', 'window'],
    ['type=sma&short=3', 'short'],
    ['type=atr&series=open', 'series'],
    ['type=macd&short=26&long=12', 'short'],
    ['type=bbands&k=0', 'k'],
    ['type=bbands&k=11', 'k'],
    ['type=stoch&k=2.5', 'k'],
    ['type=rsi&series=volume', 'series'],
    ['type=rsi&interval=7M', 'interval'],
  ])('?%s is a 400 naming %s', async (query, parameter) => {
    const { status, body } = await get(
      `/indicators?symbol=DENSE&${query.includes('interval=') ? '' : 'interval=1m&'}${query}`,
    );
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: 'invalid_parameter', details: [{ parameter }] });
  });
});

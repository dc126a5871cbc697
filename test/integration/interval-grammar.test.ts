/**
 * /candles over any N × unit interval against a real PostgreSQL: exact against the independent
 * reference for unnamed lengths (seconds, 37 minutes, 5 hours, 3 days), which are computed each
 * time and never stored; lengths out of bounds answered with a 400 naming the parameter
 * (calendar units: local-candles.test.ts).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../functions/api/app.js';
import { parseInterval } from '../../shared/market/interval-grammar.js';
import { captureLogger } from '../support/capture-logger.js';
import { referenceCandles, type ReferenceTrade } from '../support/exact-candles.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let db: TestDatabase;
let app: ReturnType<typeof createApp>;
/** A week in 2015 nothing else trades in, starting on a Thursday (not aligned to any bucket). */
const FROM = Date.UTC(2015, 5, 4, 13, 17, 23);
const TO = FROM + 7 * 86_400_000;
const trades: ReferenceTrade[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  await db.sql`insert into symbols (symbol, name) values ('GRAM', 'Grammar')`;
  const random = fc.sample(
    fc.record({
      offset: fc.integer({ min: 0, max: TO - FROM - 1 }),
      cents: fc.integer({ min: 1, max: 50_000 }),
      volume: fc.integer({ min: 1, max: 900 }),
    }),
    { numRuns: 3_000, seed: 17 },
  );
  for (const t of random)
    trades.push({
      tsMs: FROM + t.offset,
      price: (t.cents / 100).toString(),
      volume: String(t.volume),
    });
  await db.sql`
    insert into trades (trade_id, symbol, source, price, volume, ts)
    select 'GRAM-' || n, 'GRAM', 'test', price::numeric, volume::numeric, ts::timestamptz
    from unnest(${trades.map((t) => t.price)}::text[], ${trades.map((t) => t.volume)}::text[],
                ${trades.map((t) => new Date(t.tsMs).toISOString())}::text[])
         with ordinality as t(price, volume, ts, n)
    order by n`;
  // Trades written around persist: their minute rollups, as persist would have kept them.
  await db.sql`select rebuild_minute_rollups('GRAM')`;
  app = createApp({ sql: db.sql, logger: captureLogger().logger });
});
afterAll(async () => {
  await db.drop();
});

async function candles(interval: string, fill = 'none') {
  const response = await app.request(
    `/candles?symbol=GRAM&interval=${interval}&start=${new Date(FROM).toISOString()}` +
      `&end=${new Date(TO).toISOString()}&limit=5000&fill=${fill}`,
  );
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('interval grammar', () => {
  it('serves any N × unit exactly, buckets counted from Monday 1970-01-05', async () => {
    for (const interval of ['37m', '5h', '3d', '90m', '2w', '1d']) {
      const parsed = parseInterval(interval);
      if ('problem' in parsed) throw new Error(parsed.problem);
      const { status, body } = await candles(interval);
      expect(status, interval).toBe(200);
      expect(body.interval).toBe(interval);
      // Every trade lies in the range: the partial first and last buckets hold the same trades.
      const expected = referenceCandles(trades, parsed.ms);
      expect(body.candles, interval).toEqual(expected);
    }
  });

  it('serves seconds, and keeps no candle of a length it does not invalidate', async () => {
    const start = trades[0]?.tsMs ?? FROM;
    const response = await app.request(
      `/candles?symbol=GRAM&interval=7s&start=${new Date(start - 60_000).toISOString()}` +
        `&end=${new Date(start + 60_000).toISOString()}`,
    );
    const body = (await response.json()) as { candles: { trade_count: number }[] };
    expect(response.status).toBe(200);
    expect(body.candles.reduce((n, c) => n + c.trade_count, 0)).toBe(
      trades.filter((t) => t.tsMs >= start - 60_000 && t.tsMs < start + 60_000).length,
    );
    await candles('37m');
    const stored = await db.sql<{ seconds: number }[]>`
      select distinct interval_seconds as seconds from candles where symbol = 'GRAM'`;
    expect(stored.map((r) => r.seconds).sort((a, b) => a - b)).toEqual([86_400]);
  });

  it('answers lengths out of bounds with a 400 naming interval', async () => {
    for (const interval of [
      '0m',
      '60s',
      '1441m',
      '169h',
      '53w',
      '13M',
      '11y',
      '0y',
      '1.5h',
      'm',
      '01m',
      '1W',
    ]) {
      const { status, body } = await candles(interval);
      expect(status, interval).toBe(400);
      expect(body.message, interval).toMatch(/^interval: /);
    }
    expect((await candles('13M')).body.message).toBe('interval: months go from 1 to 12');
  });
});

/**
 * `as_of` on /candles, /trades and /price/latest against a real PostgreSQL: answers as the
 * platform knew them at an instant, late trades stored after it left out — also when the
 * candle of their bucket was stored since (a stored candle must not leak into an as-of answer).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../functions/api/app.js';
import { captureLogger } from '../support/capture-logger.js';
import { referenceCandles, type ReferenceTrade } from '../support/exact-candles.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const HOUR = 3_600_000;
let db: TestDatabase;
let app: ReturnType<typeof createApp>;
let counter = 0;

/** Two hours ago, on the hour: its buckets are long closed, so /candles stores them. */
const BASE = Math.floor((Date.now() - 2 * HOUR) / HOUR) * HOUR;
/** When each batch was stored: the first before the second. */
const STORED = [BASE + 70 * 60_000, BASE + 90 * 60_000, BASE + 100 * 60_000];

beforeAll(async () => {
  db = await createTestDatabase();
  await db.sql`insert into symbols (symbol, name) values ('ASOF', 'As of'), ('PROP', 'Property')`;
  app = createApp({ sql: db.sql, logger: captureLogger().logger });
});
afterAll(async () => {
  await db.drop();
});

interface Stored extends ReferenceTrade {
  tradeId: string;
  storedAtMs: number;
}

async function store(symbol: string, trades: Omit<Stored, 'tradeId'>[]): Promise<Stored[]> {
  const rows = trades.map((t) => ({ ...t, tradeId: `${symbol}-${++counter}` }));
  for (const t of rows)
    await db.sql`
      insert into trades (trade_id, symbol, source, price, volume, ts, ingested_at)
      values (${t.tradeId}, ${symbol}, 'test', ${t.price}::numeric, ${t.volume}::numeric,
              ${new Date(t.tsMs).toISOString()}::timestamptz,
              ${new Date(t.storedAtMs).toISOString()}::timestamptz)`;
  // Trades written around persist: their minute rollups, as persist would have kept them.
  await db.sql`select rebuild_minute_rollups(${symbol})`;
  return rows;
}

async function get<T>(path: string, status = 200): Promise<T> {
  const response = await app.request(path);
  const body = (await response.json()) as T;
  expect(response.status, `${path}: ${JSON.stringify(body)}`).toBe(status);
  return body;
}

const iso = (ms: number) => new Date(ms).toISOString();

describe('as_of', () => {
  it('leaves out late trades on /candles, /trades and /price/latest, even once their candle is stored', async () => {
    const first = await store('ASOF', [
      { tsMs: BASE + 60_000, price: '10', volume: '1', storedAtMs: STORED[0] ?? 0 },
      { tsMs: BASE + 61_000, price: '12', volume: '2', storedAtMs: STORED[0] ?? 0 },
    ]);
    // Late: printed inside the first minute, stored twenty minutes after the others.
    const late = await store('ASOF', [
      { tsMs: BASE + 60_500, price: '5', volume: '4', storedAtMs: STORED[1] ?? 0 },
    ]);
    const range = `start=${iso(BASE)}&end=${iso(BASE + HOUR)}`;
    // Without as_of: every trade, and the candle of that minute stored from then on.
    const now = await get<{ candles: { low: string; trade_count: number }[] }>(
      `/candles?symbol=ASOF&interval=1m&${range}`,
    );
    expect(now.candles[0]).toMatchObject({ low: '5', trade_count: 3 });
    const [stored] = await db.sql<{ count: number }[]>`
      select count(*)::int as count from candles where symbol = 'ASOF'`;
    expect(stored?.count).toBeGreaterThan(0);

    const asOf = iso((STORED[0] ?? 0) + 1_000);
    const then = await get<{ candles: object[] }>(
      `/candles?symbol=ASOF&interval=1m&${range}&as_of=${asOf}`,
    );
    expect(then.candles).toEqual(referenceCandles(first, 60_000));
    const trades = await get<{ trades: { trade_id: string }[] }>(
      `/trades?symbol=ASOF&${range}&as_of=${asOf}`,
    );
    expect(trades.trades.map((t) => t.trade_id).sort()).toEqual(first.map((t) => t.tradeId).sort());
    const all = await get<{ trades: { trade_id: string }[] }>(`/trades?symbol=ASOF&${range}`);
    expect(all.trades.map((t) => t.trade_id)).toContain(late[0]?.tradeId);

    // The newest by time of what was stored by then: 12, not the late 5 (nor anything later).
    await store('ASOF', [
      { tsMs: BASE + 62_000, price: '20', volume: '1', storedAtMs: STORED[2] ?? 0 },
    ]);
    const price = await get<{ price: number; trade_id: string }>(
      `/price/latest?symbol=ASOF&as_of=${asOf}`,
    );
    expect(price).toMatchObject({ price: 12, trade_id: first[1]?.tradeId });
    const list = await get<{ prices: { price: string }[] }>(
      `/price/latest?symbols=ASOF&as_of=${iso((STORED[1] ?? 0) + 1)}`,
    );
    expect(list.prices.map((p) => p.price)).toEqual(['12']);
    await get(`/price/latest?symbol=ASOF&as_of=${iso(BASE)}`, 404);
  });

  it('binds a /trades cursor to its as_of, and refuses an as_of in the future', async () => {
    const stored = await store(
      'ASOF',
      Array.from({ length: 5 }, (_, i) => ({
        tsMs: BASE + 30 * 60_000 + i,
        price: '1',
        volume: '1',
        storedAtMs: STORED[0] ?? 0,
      })),
    );
    const asOf = iso((STORED[0] ?? 0) + 1);
    const range = `start=${iso(BASE + 30 * 60_000)}&end=${iso(BASE + 31 * 60_000)}`;
    const page = await get<{ next_cursor: string }>(
      `/trades?symbol=ASOF&${range}&limit=2&as_of=${asOf}&order=asc`,
    );
    const next = await get<{ trades: { trade_id: string }[] }>(
      `/trades?symbol=ASOF&limit=2&as_of=${asOf}&cursor=${page.next_cursor}`,
    );
    expect(next.trades.map((t) => t.trade_id)).toEqual([stored[2]?.tradeId, stored[3]?.tradeId]);
    const other = await get<{ message: string }>(
      `/trades?symbol=ASOF&limit=2&cursor=${page.next_cursor}`,
      400,
    );
    expect(other.message).toContain('as_of');
    const future = await get<{ message: string }>(
      `/candles?symbol=ASOF&interval=1m&as_of=${iso(Date.now() + HOUR)}`,
      400,
    );
    expect(future.message).toMatch(/^as_of: must not be in the future/);
  });

  it('equals an exact computation over the trades stored by as_of, for random trades and instants', async () => {
    let day = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            minute: fc.integer({ min: 0, max: 119 }),
            ms: fc.integer({ min: 0, max: 59_999 }),
            cents: fc.integer({ min: 1, max: 100_000 }),
            volume: fc.integer({ min: 1, max: 1_000 }),
            stored: fc.integer({ min: 0, max: 2 }),
          }),
          { minLength: 1, maxLength: 30 },
        ),
        fc.integer({ min: 0, max: 2 }),
        fc.constantFrom(60_000, 300_000, 3_600_000),
        async (specs, asOfIndex, intervalMs) => {
          // Each run in a day of its own, years back: nothing else trades there.
          const start = Date.UTC(2010, 0, 4) + ++day * 86_400_000;
          const stored = await store(
            'PROP',
            specs.map((s) => ({
              tsMs: start + s.minute * 60_000 + s.ms,
              price: (s.cents / 100).toString(),
              volume: String(s.volume),
              storedAtMs: start + 86_000_000 - (2 - s.stored) * 60_000,
            })),
          );
          const asOfMs = start + 86_000_000 - (2 - asOfIndex) * 60_000;
          const known = stored.filter((t) => t.storedAtMs <= asOfMs);
          const answer = await get<{ candles: object[] }>(
            `/candles?symbol=PROP&interval=${intervalMs === 60_000 ? '1m' : intervalMs === 300_000 ? '5m' : '1h'}` +
              `&start=${iso(start)}&end=${iso(start + 2 * HOUR)}&as_of=${iso(asOfMs)}`,
          );
          expect(answer.candles).toEqual(referenceCandles(known, intervalMs));
        },
      ),
      { numRuns: 40 },
    );
  });
});

/**
 * The minute and hour rollups persist keeps (migrations 0011 and 0015,
 * shared/candles/minute-rollups.ts) and the candles read from them (aggregate-rollups.ts: whole
 * hours, whole minutes around them, partial minutes raw) against the trades themselves: late
 * trades, redeliveries and persist instances writing the same minutes and hours at once.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPersistHandler } from '../../functions/persist/persist.handler.js';
import { aggregateRange } from '../../shared/candles/aggregate-candles.js';
import { aggregateTrades } from '../../shared/candles/aggregate-trades.js';
import { createSql, type Sql } from '../../shared/db/client.js';
import { captureLogger } from '../support/capture-logger.js';
import { fromUnits, referenceCandles } from '../support/exact-candles.js';
import { pubsubEvent } from '../support/pubsub-event.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let db: TestDatabase;
/** A pool as large as several persist instances' together, so deliveries really overlap. */
let wide: Sql;
let persist: ReturnType<typeof createPersistHandler>;

beforeAll(async () => {
  db = await createTestDatabase();
  wide = createSql({ DATABASE_URL: db.url, DB_POOL_MAX: 8, DB_CONNECT_TIMEOUT_SECONDS: 5 });
  persist = createPersistHandler({ sql: wide, logger: captureLogger().logger });
});
afterAll(async () => {
  await wide.end({ timeout: 5 });
  await db.drop();
});

/**
 * A delivery as Pub/Sub makes it: a handler that throws gets the message again. Two messages holding
 * the same trades in opposite orders, written at once, can deadlock on the trades' key; PostgreSQL
 * fails one of them, and the redelivery stores what it must.
 */
async function deliver(message: Parameters<typeof persist>[0]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await persist(message);
      return;
    } catch (error) {
      const deadlock = (error as { code?: unknown }).code === '40P01';
      if (!deadlock || attempt === 5) throw error;
    }
  }
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
/** Old trades sit in these 3 hours, from a whole UTC hour 4 hours ago (late: the locked path). */
const OLD_SPAN = 3 * HOUR;
const oldBase = () => Math.floor(Date.now() / HOUR) * HOUR - 4 * HOUR;

const units = fc.oneof(
  fc.bigInt({ min: 1n, max: 50_000n * 100_000_000n }),
  fc.bigInt({ min: 1n, max: 999n }),
);
/** Minutes biased to the first and last of an hour, where hour and minute parts meet. */
const minuteArb = fc.oneof(
  fc.integer({ min: 0, max: OLD_SPAN / MINUTE - 1 }),
  fc
    .tuple(fc.integer({ min: 0, max: 2 }), fc.constantFrom(0, 1, 58, 59))
    .map(([h, m]) => h * 60 + m),
);
/** Timestamps biased to ties, minute and hour edges; some recent (persist's one-statement path). */
const when = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: OLD_SPAN - 1 }).map((ms) => ({ ms })) },
  { weight: 2, arbitrary: minuteArb.map((m) => ({ ms: m * MINUTE })) },
  { weight: 1, arbitrary: minuteArb.map((m) => ({ ms: m * MINUTE + MINUTE - 1 })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 2 }).map((h) => ({ ms: h * HOUR })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 4_000 }).map((ago) => ({ ago })) },
);
/** A cut anywhere in the old span: any millisecond, a whole minute or a whole hour. */
const cutArb = fc.oneof(
  fc.integer({ min: 0, max: OLD_SPAN }),
  fc.integer({ min: 0, max: OLD_SPAN / MINUTE }).map((m) => m * MINUTE),
  fc.integer({ min: 0, max: OLD_SPAN / HOUR }).map((h) => h * HOUR),
);
const tradeArb = fc.record({ when, price: units, volume: units });

/** Which trades each message holds (indexes, so a redelivered trade is the same trade). */
const deliveriesArb = (count: number) =>
  fc.array(fc.uniqueArray(fc.nat({ max: count - 1 }), { minLength: 1, maxLength: 30 }), {
    minLength: 1,
    maxLength: 8,
  });

let run = 0;

async function rollupsOf(symbol: string) {
  const minutes = await db.sql`
    select minute, open::text, open_ts, open_seq::text, high::text, low::text, close::text,
           close_ts, close_seq::text, volume::text, price_volume::text, trade_count
    from minute_rollups where symbol = ${symbol} order by minute`;
  const hours = await db.sql`
    select hour, open::text, open_ts, open_seq::text, high::text, low::text, close::text,
           close_ts, close_seq::text, volume::text, price_volume::text, trade_count
    from hour_rollups where symbol = ${symbol} order by hour`;
  return { minutes, hours };
}

/**
 * Both levels computed again from the trades in one pass (migration 0011's backfill, which
 * migration 0015 made fold the minutes into hours).
 */
async function rebuilt(symbol: string) {
  await db.sql`select rebuild_minute_rollups(${symbol})`;
  return rollupsOf(symbol);
}

async function candleRows(sql: Sql, query: ReturnType<typeof aggregateRange>) {
  return sql`
    select bucket, open::text, high::text, low::text, close::text, volume::text, vwap::text,
           trade_count
    from (${query}) c order by bucket`;
}

describe('minute rollups', () => {
  it('equal the trades for random batches, late trades, redeliveries and overlapping deliveries', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(tradeArb, { minLength: 1, maxLength: 60 }).chain((trades) =>
          fc.tuple(
            fc.constant(trades),
            deliveriesArb(trades.length),
            fc.integer({ min: 1, max: 4 }), // messages delivered side by side
            fc.constantFrom(
              MINUTE,
              3 * MINUTE,
              37 * MINUTE,
              HOUR,
              90 * MINUTE,
              2 * HOUR,
              86_400_000,
            ),
            cutArb,
            cutArb,
          ),
        ),
        async ([trades, deliveries, sideBySide, intervalMs, cutA, cutB]) => {
          const symbol = `RU${++run}`;
          await db.sql`insert into symbols (symbol, name) values (${symbol}, 'rollups')`;
          const base = oldBase();
          const messages = deliveries.map((indexes) =>
            pubsubEvent({
              v: 1,
              source: 'test',
              trades: indexes.flatMap((i) => {
                const t = trades[i];
                if (t === undefined) return [];
                const ms = 'ms' in t.when ? base + t.when.ms : Date.now() - t.when.ago;
                return {
                  trade_id: `${symbol}-${i}`,
                  symbol,
                  price: fromUnits(t.price),
                  volume: fromUnits(t.volume),
                  ts: new Date(ms).toISOString(),
                };
              }),
            }),
          );
          for (let i = 0; i < messages.length; i += sideBySide)
            await Promise.all(messages.slice(i, i + sideBySide).map((m) => deliver(m)));

          // Kept as the batches arrived = computed again from every trade stored.
          const kept = await rollupsOf(symbol);
          expect(kept).toEqual(await rebuilt(symbol));
          // A redelivery of everything changes nothing.
          await Promise.all(messages.map((m) => deliver(m)));
          expect(await rollupsOf(symbol)).toEqual(kept);

          // Candles from the rollups = from the trades = the exact reference, over the stored
          // trades in seq order (the order concurrent deliveries actually took).
          const stored = await db.sql<{ ts: Date; price: string; volume: string }[]>`
            select ts, trim_scale(price)::text as price, trim_scale(volume)::text as volume
            from trades where symbol = ${symbol} order by seq`;
          const from = Math.min(...stored.map((t) => t.ts.getTime()));
          const to = Math.max(...stored.map((t) => t.ts.getTime())) + 1;
          const whole = await candleRows(
            db.sql,
            aggregateRange(db.sql, symbol, intervalMs, from, to),
          );
          expect(whole).toEqual(
            await candleRows(db.sql, aggregateTrades(db.sql, symbol, intervalMs, from, to)),
          );
          const reference = referenceCandles(
            stored.map((t) => ({ tsMs: t.ts.getTime(), price: t.price, volume: t.volume })),
            intervalMs,
          );
          expect(
            (
              await db.sql`
                select to_char(bucket at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as timestamp,
                       trim_scale(open)::text as open, trim_scale(high)::text as high,
                       trim_scale(low)::text as low, trim_scale(close)::text as close,
                       trim_scale(volume)::text as volume, trim_scale(vwap)::text as vwap, trade_count
                from (${aggregateRange(db.sql, symbol, intervalMs, from, to)}) c order by bucket`
            ).map((row) => ({ ...row })),
          ).toEqual(reference);
          // Cut anywhere: whole hours from hour rollups, whole minutes around them from minute
          // rollups, the partial minutes at the edges raw.
          const [lo, hi] = [base + Math.min(cutA, cutB), base + Math.max(cutA, cutB)];
          expect(
            await candleRows(db.sql, aggregateRange(db.sql, symbol, intervalMs, lo, hi)),
          ).toEqual(await candleRows(db.sql, aggregateTrades(db.sql, symbol, intervalMs, lo, hi)));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('stay exact when persist instances write the same minutes and hours at once, without deadlock', async () => {
    const symbol = 'RUSAME';
    await db.sql`insert into symbols (symbol, name) values (${symbol}, 'rollups')`;
    // 10 minutes across an hour's end.
    const base = oldBase() + 55 * MINUTE;
    // 8 messages at once, 3 times over, each spreading its trades over the same 10 minutes, half
    // of them listing the minutes backwards. Each adds to the rows the others committed (none
    // lost, none counted twice); a deadlock would fail a delivery.
    const messages = Array.from({ length: 8 }, (_, m) =>
      pubsubEvent({
        v: 1,
        source: 'test',
        trades: Array.from({ length: 50 }, (_, i) => {
          const minute = m % 2 === 0 ? i % 10 : 9 - (i % 10);
          return {
            trade_id: `${symbol}-${m}-${i}`,
            symbol,
            price: `${100 + ((m * 50 + i) % 37)}.${i}`,
            volume: `${1 + i}`,
            ts: new Date(base + minute * MINUTE + (i % 3) * 1_000).toISOString(),
          };
        }),
      }),
    );
    for (let round = 0; round < 3; round++) await Promise.all(messages.map((m) => persist(m)));
    const [count] = await db.sql<{ trades: number; rolled: number }[]>`
      select (select count(*)::int from trades where symbol = ${symbol}) as trades,
             (select sum(trade_count)::int from minute_rollups where symbol = ${symbol}) as rolled,
             (select sum(trade_count)::int from hour_rollups where symbol = ${symbol}) as hours`;
    expect(count).toEqual({ trades: 400, rolled: 400, hours: 400 });
    const kept = await rollupsOf(symbol);
    expect(kept.minutes).toHaveLength(10);
    expect(kept.hours).toHaveLength(2);
    expect(kept).toEqual(await rebuilt(symbol));
  });
});

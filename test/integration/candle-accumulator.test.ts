/**
 * The stream's candles are kept in Node as trades arrive (candle-accumulator.ts) while /candles
 * has PostgreSQL aggregate them: over random trades in random order — and from the database's
 * totals of the first ones plus the rest — both must give the same text, vwap rounding included.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CandleAccumulator } from '../../shared/candles/candle-accumulator.js';
import { candleValues } from '../../shared/candles/candle-format.js';
import { computeCandles } from '../../shared/candles/load-candles.js';
import { readCandleTotals } from '../../shared/stream/candle-snapshot.queries.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const MINUTE = 60_000;
const FIRST_BUCKET = Date.UTC(2024, 0, 1);
let db: TestDatabase;
let runs = 0;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

/** A positive decimal of at most 8 decimals, small or large. */
const decimal = fc
  .tuple(
    fc.oneof(
      fc.constant(0n),
      fc.bigInt({ min: 1n, max: 999n }),
      fc.bigInt({ min: 1n, max: 10n ** 15n }),
    ),
    fc.bigInt({ min: 0n, max: 99_999_999n }),
  )
  .filter(([whole, fraction]) => whole > 0n || fraction > 0n)
  .map(([whole, fraction]) => `${whole}.${fraction.toString().padStart(8, '0')}`);

const trades = fc.array(
  fc.record({
    price: decimal,
    volume: decimal,
    // Several trades per millisecond and microsecond: open and close by (ts, seq) decide.
    offsetMicros: fc.oneof(fc.constantFrom(0, 1, 1_000), fc.integer({ min: 0, max: 2_000 })),
  }),
  { minLength: 1, maxLength: 40 },
);

interface Stored {
  price: string;
  volume: string;
  tsMicros: bigint;
  seq: bigint;
  xid: string;
}

/** Stores `list` in one bucket of its own, in order, and reads back each trade's order keys. */
async function store(list: { price: string; volume: string; offsetMicros: number }[]) {
  const bucket = FIRST_BUCKET + ++runs * MINUTE;
  const rows = await db.sql<
    { price: string; volume: string; us: string; seq: string; xid: string }[]
  >`
    insert into trades (trade_id, symbol, source, price, volume, ts)
    select ${`acc-${runs}-`} || n, 'ACC', 'test', price::numeric, volume::numeric,
           ${new Date(bucket).toISOString()}::timestamptz + make_interval(secs => us / 1000000.0)
    from unnest(${list.map((t) => t.price)}::text[], ${list.map((t) => t.volume)}::text[],
                ${list.map((t) => t.offsetMicros)}::int[]) with ordinality as t(price, volume, us, n)
    returning trim_scale(price)::text as price, trim_scale(volume)::text as volume,
              (extract(epoch from ts) * 1000000)::bigint::text as us, seq::text, xid::text`;
  // Trades written around persist: their minute rollups, as persist would have kept them.
  await db.sql`select rebuild_minute_rollups('ACC')`;
  const stored: Stored[] = rows
    .map((row) => ({
      price: row.price,
      volume: row.volume,
      tsMicros: BigInt(row.us),
      seq: BigInt(row.seq),
      xid: row.xid,
    }))
    .sort((a, b) => (a.seq < b.seq ? -1 : 1));
  return { bucket, stored };
}

async function served(bucket: number) {
  const [candle] = await computeCandles(
    db.sql,
    { symbol: 'ACC', intervalMs: MINUTE, startMs: bucket, endMs: bucket + MINUTE },
    candleValues,
  );
  return candle;
}

describe('CandleAccumulator', () => {
  it('gives the database’s candle for any trades, added in any order', async () => {
    await fc.assert(
      fc.asyncProperty(trades, fc.nat(), async (list, shuffleSeed) => {
        const { bucket, stored } = await store(list);
        const shuffled = [...stored].sort(
          (a, b) => (Number(a.seq * 7919n) ^ shuffleSeed) - (Number(b.seq * 7919n) ^ shuffleSeed),
        );
        const candle = new CandleAccumulator(bucket);
        for (const trade of shuffled) candle.add(trade);
        expect(candle.candle()).toStrictEqual(await served(bucket));
      }),
      { numRuns: 60 },
    );
  });

  it('continues the database’s totals of the first trades with the rest exactly', async () => {
    await fc.assert(
      fc.asyncProperty(trades, fc.nat(), async (list, cut) => {
        const { bucket, stored } = await store(list);
        const k = cut % (stored.length + 1);
        const boundary = stored[k - 1];
        const upTo =
          boundary === undefined
            ? { xid: '0', seq: '0' }
            : { xid: boundary.xid, seq: String(boundary.seq) };
        const totals = await readCandleTotals(db.sql, {
          symbol: 'ACC',
          intervalMs: MINUTE,
          bucketMs: bucket,
          upTo,
        });
        expect(totals?.tradeCount ?? 0).toBe(k);
        const candle = CandleAccumulator.from(bucket, totals);
        for (const trade of stored.slice(k)) candle.add(trade);
        expect(candle.candle()).toStrictEqual(await served(bucket));
      }),
      { numRuns: 40 },
    );
  });

  it('rounds vwap half up at 8 decimals as PostgreSQL does, ties and near-ties included', async () => {
    for (const list of [
      // Σpv/Σv = 0.000000015: a tie, up.
      [
        { price: '0.00000001', volume: '1' },
        { price: '0.00000002', volume: '1' },
      ],
      // 1/3 and 2/3 of a unit of 1e-8.
      [
        { price: '0.00000001', volume: '2' },
        { price: '0.00000002', volume: '1' },
      ],
      [
        { price: '0.00000001', volume: '1' },
        { price: '0.00000002', volume: '2' },
      ],
      // Large prices with tiny volumes.
      [
        { price: '999999999999999.99999999', volume: '0.00000001' },
        { price: '0.00000001', volume: '999999999999999.99999999' },
      ],
    ]) {
      const { bucket, stored } = await store(list.map((t) => ({ ...t, offsetMicros: 0 })));
      const candle = new CandleAccumulator(bucket);
      for (const trade of stored) candle.add(trade);
      expect(candle.candle()).toStrictEqual(await served(bucket));
    }
  });
});

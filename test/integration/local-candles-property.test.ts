/**
 * /candles in local time and calendar units against an independent exact reference: random trades
 * around random DST changes of random IANA zones (those whose clocks change at midnight among
 * them), random N × unit intervals (M and y included), and as_of answers that leave out late
 * trades stored after the candle was first served. The reference groups trades with luxon's local
 * dates and its own day starts (test/support/local-reference.ts) and sums with BigInts
 * (test/support/exact-candles.ts).
 */
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../functions/api/app.js';
import { createPersistHandler } from '../../functions/persist/persist.handler.js';
import { captureLogger } from '../support/capture-logger.js';
import { referenceCandlesBy, type ReferenceTrade } from '../support/exact-candles.js';
import { pubsubEvent } from '../support/pubsub-event.js';
import { ReferenceZone, type ReferenceInterval } from '../support/local-reference.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ORIGIN = Date.UTC(1970, 0, 5);
let db: TestDatabase;
let app: ReturnType<typeof createApp>;
let persist: ReturnType<typeof createPersistHandler>;
let run = 0;

/** Zones whose DST changes at midnight, a half hour, 45 minutes, none, a skipped day, UTC. */
const ZONES = [
  'America/Santiago',
  'America/Asuncion',
  'Asia/Beirut',
  'America/Havana',
  'America/St_Johns',
  'America/New_York',
  'Europe/London',
  'Europe/Berlin',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'Pacific/Apia',
  'Africa/Casablanca',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'UTC',
];

/** Each unit: its bounds, a nominal length (to size the range) and the reference's form. */
const UNITS = {
  s: { max: 59, nominal: 1_000, of: (n: number) => ({ unit: 's', ms: n * 1_000 }) },
  m: { max: 1_440, nominal: 60_000, of: (n: number) => ({ unit: 'm', ms: n * 60_000 }) },
  h: { max: 24, nominal: HOUR, of: (n: number) => ({ unit: 'h', ms: n * HOUR }) },
  d: { max: 366, nominal: DAY, of: (n: number) => ({ unit: 'd', days: n }) },
  w: { max: 52, nominal: 7 * DAY, of: (n: number) => ({ unit: 'w', days: 7 * n }) },
  M: { max: 12, nominal: 30 * DAY, of: (n: number) => ({ unit: 'M', months: n }) },
  y: { max: 10, nominal: 365 * DAY, of: (n: number) => ({ unit: 'y', months: 12 * n }) },
} as const satisfies Record<
  string,
  { max: number; nominal: number; of: (n: number) => ReferenceInterval }
>;

/** Instants where a zone's offset changes in a year (daily probes, then to the millisecond). */
function transitionsOf(zone: ReferenceZone, year: number): number[] {
  const found: number[] = [];
  for (let ms = Date.UTC(year, 0, 1); ms < Date.UTC(year + 1, 0, 1); ms += DAY) {
    if (zone.offsetMs(ms) === zone.offsetMs(ms + DAY)) continue;
    let [lo, hi] = [ms, ms + DAY];
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (zone.offsetMs(mid) === zone.offsetMs(lo)) lo = mid;
      else hi = mid;
    }
    found.push(hi);
  }
  return found;
}

const caseArb = fc
  .record({
    zone: fc.constantFrom(...ZONES),
    // Omitted: UTC, today's fixed lengths (candles.test.ts) or calendar units.
    omitZone: fc.boolean(),
    unit: fc.constantFrom(...(Object.keys(UNITS) as (keyof typeof UNITS)[])),
    count: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 1_440 })),
    year: fc.integer({ min: 2005, max: 2026 }),
    transition: fc.nat(),
    atTransition: fc.boolean(),
    before: fc.integer({ min: 0, max: 30 }),
    after: fc.integer({ min: 1, max: 30 }),
    trades: fc.array(
      fc.record({
        // Where in the range, as a fraction: evenly spread, or (doubles) near either end.
        at: fc.oneof(
          fc.integer({ min: 0, max: 999_999 }).map((n) => n / 1_000_000),
          fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        ),
        edge: fc.constantFrom(0, -1, null),
        cents: fc.integer({ min: 1, max: 5_000_000 }),
        volume: fc.integer({ min: 1, max: 10_000 }),
        late: fc.boolean(),
      }),
      { minLength: 1, maxLength: 60 },
    ),
    skew: fc.integer({ min: -12 * HOUR, max: 12 * HOUR }),
    // as_of before any trade was stored, between the first and the late ones, or after both.
    asOf: fc.constantFrom('before', 'between', 'after'),
  })
  .map((c) => ({ ...c, zone: c.omitZone ? 'UTC' : c.zone }));

beforeAll(async () => {
  db = await createTestDatabase();
  const { logger } = captureLogger();
  app = createApp({ sql: db.sql, logger });
  persist = createPersistHandler({ sql: db.sql, logger });
});
afterAll(async () => {
  await db.drop();
});

interface Served {
  candles: Record<string, unknown>[];
  next_start: string | null;
}

async function serve(query: string): Promise<Served> {
  const response = await app.request(`/candles?${query}`);
  const body = (await response.json()) as Served;
  expect(response.status, `${query}: ${JSON.stringify(body)}`).toBe(200);
  return body;
}

describe('GET /candles with timezone and calendar units', () => {
  it('equals an independent exact reference, as of any instant', async () => {
    const now = Date.now();
    // The first trades were stored two hours ago, the late ones now: as_of lies between.
    const asOfBefore = new Date(now - 3 * HOUR).toISOString();
    const asOfBetween = new Date(now - HOUR).toISOString();
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const unit = UNITS[c.unit];
        const count = Math.min(c.count, unit.max);
        const interval: ReferenceInterval = unit.of(count);
        const nominal = unit.nominal * count;
        const zone = new ReferenceZone(c.zone);
        // Around a DST change of the year (or any instant, in a zone without one): its local
        // midnight, or the change itself.
        const changes = transitionsOf(zone, c.year);
        const change =
          changes[c.transition % Math.max(1, changes.length)] ?? Date.UTC(c.year, 3, 1);
        const center = c.atTransition ? change : zone.dayStart(zone.localDay(change));
        // Not aligned to a bucket: start and end cut their buckets.
        const startMs = Math.max(0, center - c.before * nominal + c.skew);
        // Persist refuses trades from the future: the range ends three hours ago at the latest.
        const endMs = Math.min(center + c.after * nominal + c.skew, now - 3 * HOUR);
        fc.pre(startMs < endMs);
        // UTC with a fixed length is today's answer: counted from Monday 1970-01-05T00:00Z.
        const fixedMs =
          c.zone === 'UTC' && c.unit !== 'M' && c.unit !== 'y' ? unit.nominal * count : undefined;
        const bucketOf = (ms: number): [number, number] => {
          if (fixedMs === undefined) return zone.bucketOf(ms, interval);
          const start = ORIGIN + Math.floor((ms - ORIGIN) / fixedMs) * fixedMs;
          return [start, start + fixedMs];
        };
        // Omitted with a fixed length: today's candle JSON, no localStart.
        const withLocalStart = !(c.omitZone && fixedMs !== undefined);
        // Trades: anywhere in the range, or on a bucket boundary, or a millisecond before one.
        const trades = c.trades.flatMap((t, i) => {
          let tsMs = startMs + Math.floor(t.at * (endMs - startMs));
          if (t.edge !== null) tsMs = bucketOf(tsMs)[i % 2 === 0 ? 0 : 1] + t.edge;
          if (tsMs < startMs || tsMs >= endMs) return [];
          return [
            { tsMs, price: (t.cents / 100).toString(), volume: String(t.volume), late: t.late },
          ];
        });
        const symbol = `LZ${++run}`;
        await db.sql`insert into symbols (symbol, name) values (${symbol}, 'local property')`;
        // The first trades stored two hours ago (as_of needs a past), in order.
        const storeEarly = async (batch: typeof trades) => {
          for (const [i, t] of batch.entries())
            await db.sql`
              insert into trades (trade_id, symbol, source, price, volume, ts, ingested_at)
              values (${`${symbol}-e${i}`}, ${symbol}, 'test', ${t.price}::numeric,
                      ${t.volume}::numeric, ${new Date(t.tsMs).toISOString()}::timestamptz,
                      ${new Date(now - 2 * HOUR).toISOString()}::timestamptz)`;
          // Written around persist: the minute rollups follow, as persist would keep them.
          await db.sql`select rebuild_minute_rollups(${symbol})`;
        };
        // The late ones through persist, as they arrive: it invalidates stored candles they touch.
        const persistLate = async (batch: typeof trades) => {
          if (batch.length === 0) return;
          await persist(
            pubsubEvent({
              v: 1,
              source: 'property-test',
              trades: batch.map((t, i) => ({
                trade_id: `${symbol}-l${i}`,
                symbol,
                price: t.price,
                volume: t.volume,
                ts: new Date(t.tsMs).toISOString(),
              })),
            }),
          );
        };
        const early = trades.filter((t) => !t.late);
        const late = trades.filter((t) => t.late);
        const expected = (batch: ReferenceTrade[]) =>
          referenceCandlesBy(batch, (ms) => bucketOf(ms)[0]).map(({ timestamp, ...values }) =>
            withLocalStart
              ? { timestamp, localStart: zone.localStart(Date.parse(timestamp)), ...values }
              : { timestamp, ...values },
          );
        const query =
          `symbol=${symbol}&interval=${count}${c.unit}&start=${new Date(startMs).toISOString()}` +
          `&end=${new Date(endMs).toISOString()}&limit=5000` +
          (c.omitZone ? '' : `&timezone=${c.zone}`);
        const label = `${query} (${trades.length} trades)`;

        await storeEarly(early);
        const first = await serve(query);
        expect(first.candles, label).toEqual(expected(early));
        expect(first.next_start, label).toBeNull();
        // Late trades arrive after the candles were served: the answer follows, as_of does not.
        await persistLate(late);
        expect((await serve(query)).candles, label).toEqual(expected([...early, ...late]));
        const asOf = { before: asOfBefore, between: asOfBetween, after: new Date().toISOString() };
        const known = { before: [], between: early, after: [...early, ...late] };
        expect((await serve(`${query}&as_of=${asOf[c.asOf]}`)).candles, label).toEqual(
          expected(known[c.asOf]),
        );
      }),
      { numRuns: 120, seed: 1_717, endOnFailure: true },
    );
  }, 240_000);

  it('the reference knows the midnight-DST days (a nonexistent and a repeated midnight)', () => {
    // Checked against the tz database's rules, not against the api: the reference must be right.
    const santiago = new ReferenceZone('America/Santiago');
    expect(new Date(santiago.dayStart(Date.UTC(2024, 8, 8) / DAY)).toISOString()).toBe(
      '2024-09-08T04:00:00.000Z', // 00:00 skipped: the day starts at 01:00 -03
    );
    const havana = new ReferenceZone('America/Havana');
    expect(new Date(havana.dayStart(Date.UTC(2024, 10, 3) / DAY)).toISOString()).toBe(
      '2024-11-03T04:00:00.000Z', // 01:00 CDT falls back to 00:00 CST: the first midnight
    );
    expect(DateTime.fromMillis(Date.UTC(2024, 10, 3, 4), { zone: 'America/Havana' }).hour).toBe(0);
  });
});

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../functions/api/app.js';
import { INTERVAL_NAMES, INTERVALS } from '../../shared/market/candle-intervals.js';
import { createPersistHandler } from '../../functions/persist/persist.handler.js';
import { captureLogger } from '../support/capture-logger.js';
import { fromUnits, referenceCandles, type ReferenceTrade } from '../support/exact-candles.js';
import { pubsubEvent } from '../support/pubsub-event.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let db: TestDatabase;
let app: ReturnType<typeof createApp>;
let persist: ReturnType<typeof createPersistHandler>;

/** Sunday 20:00Z: three days from here cross day boundaries and a Monday (week) boundary. */
const START = Date.parse('2026-11-15T20:00:00.000Z');
const SPAN = 3 * 24 * 3_600_000;
const END = START + SPAN;

interface Candles {
  candles: { timestamp: string; close: string; volume: string; trade_count: number }[];
  count: number;
  next_start: string | null;
}

beforeAll(async () => {
  db = await createTestDatabase();
  const { logger } = captureLogger();
  app = createApp({ sql: db.sql, logger });
  persist = createPersistHandler({ sql: db.sql, logger });
});
afterAll(() => db.drop());

/** Timestamps biased to what breaks candles: exact bucket edges, a millisecond before them, and ties. */
const timestamp = fc.oneof(
  fc.integer({ min: 0, max: SPAN - 1 }),
  fc.integer({ min: 0, max: SPAN / 60_000 - 1 }).map((minute) => minute * 60_000),
  fc.integer({ min: 1, max: SPAN / 3_600_000 - 1 }).map((hour) => hour * 3_600_000 - 1),
  fc.constantFrom(0, 4 * 3_600_000, SPAN - 1),
);
/** Prices from 0.00000001 to 50,000 with up to 8 decimals, tiny ones like 0.00000123 included. */
const units = (max: number) =>
  fc.oneof(
    fc.bigInt({ min: 1n, max: BigInt(max) * 100_000_000n }),
    fc.bigInt({ min: 1n, max: 999n }),
  );
const trade = fc.record({ offset: timestamp, price: units(50_000), volume: units(10_000) });

let run = 0;

describe('GET /candles', () => {
  it('equals an independent exact computation for every interval, field by field', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(trade, { minLength: 2, maxLength: 120 }),
        fc.integer({ min: 2, max: 4 }),
        async (generated, messages) => {
          const symbol = `P${++run}`;
          await db.sql`insert into symbols (symbol, name) values (${symbol}, 'property')`;
          // Publish order decides ties: some trades share a timestamp, and batches arrive one after another.
          const trades: ReferenceTrade[] = generated.map((t) => ({
            tsMs: START + t.offset,
            price: fromUnits(t.price),
            volume: fromUnits(t.volume),
          }));
          const perMessage = Math.ceil(trades.length / messages);
          const publish = async (m: number) => {
            const batch = trades.slice(m * perMessage, (m + 1) * perMessage);
            if (batch.length === 0) return;
            await persist(
              pubsubEvent({
                v: 1,
                source: 'property-test',
                trades: batch.map((t, i) => ({
                  trade_id: `${symbol}-${m}-${i}`,
                  symbol,
                  price: t.price,
                  volume: t.volume,
                  ts: new Date(t.tsMs).toISOString(),
                })),
              }),
            );
          };
          const expectCandles = async (published: ReferenceTrade[], label: string) => {
            for (const interval of INTERVAL_NAMES) {
              const response = await app.request(
                `/candles?symbol=${symbol}&interval=${interval}&start=${new Date(START).toISOString()}&end=${new Date(END).toISOString()}&limit=5000`,
              );
              expect(response.status, `${label} ${interval}`).toBe(200);
              const text = await response.text();
              // Rendered in PostgreSQL, yet the very text JSON.stringify gives: compact, same key order.
              expect(text, `${label} ${interval}`).toBe(JSON.stringify(JSON.parse(text)));
              const body = JSON.parse(text) as Candles;
              expect(body.candles, `${label} ${interval}`).toEqual(
                referenceCandles(published, INTERVALS[interval]),
              );
            }
          };
          // The first messages, then every interval twice: computed and stored, then from the store.
          for (let m = 0; m < messages - 1; m++) await publish(m);
          const early = trades.slice(0, (messages - 1) * perMessage);
          await expectCandles(early, 'computed');
          await expectCandles(early, 'stored');
          // The last message arrives late, into stored buckets: the next answers include it.
          await publish(messages - 1);
          await expectCandles(trades, 'after a late message');
        },
      ),
      { numRuns: 12, seed: 20261121, endOnFailure: true },
    );
  }, 120_000);

  it('fill=previous returns contiguous buckets, empty ones at zero volume and the previous close', async () => {
    await db.sql`insert into symbols (symbol, name) values ('GAPS', 'gaps')`;
    const at = (minutes: number) => new Date(START + minutes * 60_000).toISOString();
    await persist(
      pubsubEvent({
        v: 1,
        source: 'test',
        trades: [
          { trade_id: 'G-0', symbol: 'GAPS', price: '9.5', volume: '1', ts: at(-30) }, // before the range
          { trade_id: 'G-1', symbol: 'GAPS', price: '10', volume: '2', ts: at(2) },
          { trade_id: 'G-2', symbol: 'GAPS', price: '12', volume: '1', ts: at(5) },
        ],
      }),
    );
    const body = (await (
      await app.request(
        `/candles?symbol=GAPS&interval=1m&start=${at(0)}&end=${at(8)}&fill=previous`,
      )
    ).json()) as Candles;
    expect(body.candles.map((c) => [c.timestamp, c.close, c.volume, c.trade_count])).toEqual([
      [at(0), '9.5', '0', 0],
      [at(1), '9.5', '0', 0],
      [at(2), '10', '2', 1],
      [at(3), '10', '0', 0],
      [at(4), '10', '0', 0],
      [at(5), '12', '1', 1],
      [at(6), '12', '0', 0],
      [at(7), '12', '0', 0],
    ]);
    const none = (await (
      await app.request(`/candles?symbol=GAPS&interval=1m&start=${at(0)}&end=${at(8)}`)
    ).json()) as Candles;
    expect(none.candles.map((c) => c.timestamp)).toEqual([at(2), at(5)]);
  });

  it('covers at most limit buckets per request and says where the next one starts', async () => {
    const at = (minutes: number) => new Date(START + minutes * 60_000).toISOString();
    const body = (await (
      await app.request(
        `/candles?symbol=GAPS&interval=1m&start=${at(0)}&end=${at(8)}&fill=previous&limit=3`,
      )
    ).json()) as Candles;
    expect(body.count).toBe(3);
    expect(body.next_start).toBe(at(3));
  });

  it.each([
    [
      'an unsupported interval',
      'symbol=GAPS&interval=1441m',
      'interval',
      /minutes go from 1 to 1440/,
    ],
    [
      'a malformed interval',
      'symbol=GAPS&interval=2x',
      'interval',
      /N followed by a unit: s \(1–59\), m \(1–1440\), h \(1–168\), d \(1–366\), w \(1–52\)/,
    ],
    ['no interval', 'symbol=GAPS', 'interval', /interval/],
    ['no symbol', 'interval=1m', 'symbol', /symbol/],
    ['an unknown fill', 'symbol=GAPS&interval=1m&fill=next', 'fill', /fill/],
    ['limit over 5000', 'symbol=GAPS&interval=1m&limit=5001', 'limit', /limit/],
    [
      'start after end',
      'symbol=GAPS&interval=1m&start=2026-11-16T00:00:00Z&end=2026-11-15T00:00:00Z',
      'start',
      /before end/,
    ],
    [
      'a timestamp without a zone',
      'symbol=GAPS&interval=1m&start=2026-11-16T00:00:00',
      'start',
      /timezone/,
    ],
  ])('%s → 400 naming %s', async (_name, query, parameter, message) => {
    const response = await app.request(`/candles?${query}`);
    expect(response.status).toBe(400);
    const body = (await response.json()) as {
      error: string;
      message: string;
      details: { parameter: string }[];
    };
    expect(body.error).toBe('invalid_parameter');
    expect(body.details[0]?.parameter).toBe(parameter);
    expect(body.message).toMatch(message);
  });

  it('answers 404 for an unknown symbol', async () => {
    const response = await app.request('/candles?symbol=NOPE&interval=1h');
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: 'symbol_not_found' });
  });
});

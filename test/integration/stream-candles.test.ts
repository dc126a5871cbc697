/**
 * `candle` events of GET /stream against a real PostgreSQL, trades stored through persist: the
 * forming candle as trades arrive, closed once when its bucket ends (the api's clock moved so a
 * bucket ends within seconds), revised when a late trade changes a closed one — each equal to what
 * /candles answers for that bucket.
 */
import type { EventSourceMessage } from 'eventsource-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../functions/api/app.js';
import { createPersistHandler } from '../../functions/persist/persist.handler.js';
import type { Candle } from '../../shared/candles/candle.js';
import { bucketStart } from '../../shared/market/candle-intervals.js';
import { captureLogger } from '../support/capture-logger.js';
import { pubsubEvent } from '../support/pubsub-event.js';
import { readSse, type SseStream } from '../support/sse-stream.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const MINUTE = 60_000;
let db: TestDatabase;
const streams: SseStream[] = [];
let counter = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  await db.sql`
    insert into symbols (symbol, name)
    select s, s from unnest(array['FORM', 'SHUT', 'LATE', 'OPEN']) s`;
});
afterAll(async () => {
  await Promise.all(streams.map((stream) => stream.close()));
  await db.drop();
});

/** The /candles item plus what a candle event adds. */
type CandleEvent = Candle & { symbol: string; interval: string; closed: boolean; revised: boolean };

const candlesOf = (events: EventSourceMessage[]) =>
  events.filter((e) => e.event === 'candle').map((e) => JSON.parse(e.data) as CandleEvent);

/** An app whose clock stands at `fakeNowMs` now and runs from there. */
function appAt(fakeNowMs: number) {
  const offset = fakeNowMs - Date.now();
  return createApp({
    sql: db.sql,
    logger: captureLogger().logger,
    now: () => Date.now() + offset,
  });
}

async function open(app: ReturnType<typeof createApp>, path: string) {
  const stream = readSse(await app.request(path));
  streams.push(stream);
  expect(stream.status).toBe(200);
  await stream.live();
  return stream;
}

const trade = (symbol: string, price: string, volume: string, tsMs: number) => ({
  trade_id: `${symbol}-${++counter}`,
  symbol,
  price,
  volume,
  ts: new Date(tsMs).toISOString(),
});

async function publish(trades: ReturnType<typeof trade>[]) {
  await createPersistHandler({ sql: db.sql, logger: captureLogger().logger })(
    pubsubEvent({ v: 1, source: 'test', trades }),
  );
}

/** /candles' 1m candle of `bucketMs`, with the fields a candle event adds. */
async function servedCandle(
  app: ReturnType<typeof createApp>,
  symbol: string,
  bucketMs: number,
  state: { closed: boolean; revised: boolean },
) {
  const start = new Date(bucketMs).toISOString();
  const end = new Date(bucketMs + MINUTE).toISOString();
  const response = await app.request(
    `/candles?symbol=${symbol}&interval=1m&start=${start}&end=${end}`,
  );
  const { candles } = (await response.json()) as { candles: object[] };
  expect(candles).toHaveLength(1);
  return { symbol, interval: '1m', ...candles[0], ...state };
}

describe('GET /stream candle events', () => {
  it('sends the forming candle at once, then as trades arrive, as /candles computes it', async () => {
    const bucket = bucketStart(Date.now(), MINUTE) - 10 * MINUTE;
    const app = appAt(bucket + 20_000);
    // Prices and volumes whose vwap needs the database's rounding to come out the same.
    await publish([
      trade('FORM', '10.12345678', '3', bucket + 1_000),
      trade('FORM', '9.5', '0.33333333', bucket + 2_000),
    ]);
    const stream = await open(app, '/stream?symbols=FORM&events=candles&interval=1m');
    await stream.until((events) => candlesOf(events).length === 1);
    expect(candlesOf(stream.events)[0]).toStrictEqual(
      await servedCandle(app, 'FORM', bucket, { closed: false, revised: false }),
    );

    // A new low, a new high, and a trade earlier than the first: open, high, low, close all move.
    await publish([
      trade('FORM', '8.00000001', '7.1', bucket + 3_000),
      trade('FORM', '11', '0.00000001', bucket + 500),
    ]);
    await publish([trade('FORM', '10.5', '2', bucket + 4_000)]);
    await stream.until((events) => candlesOf(events).at(-1)?.trade_count === 5);
    const last = candlesOf(stream.events).at(-1);
    expect(last).toStrictEqual(
      await servedCandle(app, 'FORM', bucket, { closed: false, revised: false }),
    );
    expect(last).toMatchObject({ open: '11', high: '11', low: '8.00000001', close: '10.5' });
    expect(candlesOf(stream.events).every((c) => !c.closed)).toBe(true);
  });

  it('closes a candle once when its bucket ends, then revises it when a late trade changes it', async () => {
    const bucket = bucketStart(Date.now(), MINUTE) - 20 * MINUTE;
    // The api's clock 1.5 s before the bucket ends: with the 2 s grace it closes 3.5 s from now.
    const app = appAt(bucket + MINUTE - 1_500);
    const stream = await open(app, '/stream?symbols=SHUT,OPEN&events=trades,candles&interval=1m');
    await publish([
      trade('SHUT', '100', '1', bucket + 10_000),
      trade('SHUT', '101.25', '2', bucket + 50_000),
    ]);
    await stream.until((events) => candlesOf(events).some((c) => c.closed), 8_000);
    const closed = candlesOf(stream.events).filter((c) => c.closed);
    expect(closed).toStrictEqual([
      await servedCandle(app, 'SHUT', bucket, { closed: true, revised: false }),
    ]);
    expect(closed[0]?.trade_count).toBe(2);

    await publish([trade('SHUT', '99', '4', bucket + 30_000)]);
    await stream.until((events) => candlesOf(events).some((c) => c.revised));
    const revised = candlesOf(stream.events).filter((c) => c.revised);
    expect(revised).toStrictEqual([
      await servedCandle(app, 'SHUT', bucket, { closed: true, revised: true }),
    ]);
    expect(revised[0]).toMatchObject({ low: '99', trade_count: 3, close: '101.25' });
    // Closed exactly once; OPEN had no trade, so no candle of it.
    expect(candlesOf(stream.events).filter((c) => c.closed && !c.revised)).toHaveLength(1);
    expect(candlesOf(stream.events).some((c) => c.symbol === 'OPEN')).toBe(false);
  });

  it('revises a closed candle of any age, and sends no candle event to a trades-only stream', async () => {
    const app = appAt(Date.now());
    const candles = await open(app, '/stream?symbols=LATE&events=candles&interval=1m');
    const tradesOnly = await open(app, '/stream?symbols=LATE');
    const bucket = bucketStart(Date.now(), MINUTE) - 90 * MINUTE;
    await publish([trade('LATE', '5', '1', bucket + 1), trade('LATE', '6', '1', bucket + 2)]);
    await candles.until((events) => candlesOf(events).length === 1);
    expect(candlesOf(candles.events)).toStrictEqual([
      await servedCandle(app, 'LATE', bucket, { closed: true, revised: true }),
    ]);
    await tradesOnly.until((events) => events.filter((e) => e.event === 'trade').length === 2);
    expect(candlesOf(tradesOnly.events)).toEqual([]);
  });

  it('answers candles without an interval, or an interval without candles, with a 400', async () => {
    const app = appAt(Date.now());
    for (const [path, parameter] of [
      ['/stream?symbols=FORM&events=candles', 'interval'],
      ['/stream?symbols=FORM&interval=1m', 'interval'],
      ['/stream?symbols=FORM&events=candles&interval=61s', 'interval'],
      ['/stream?symbols=FORM&events=candle', 'events'],
    ] as const) {
      const response = await app.request(path);
      expect(response.status, path).toBe(400);
      const body = (await response.json()) as { error: string; message: string };
      expect(body.error, path).toBe('invalid_parameter');
      expect(body.message, path).toContain(parameter);
    }
  });
});

/**
 * Closed buckets are stored in `candles` and served from there; late trades invalidate them in
 * their own transaction; the lock protocol of shared/candles/candle-cache.ts holds both ways round.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../functions/api/app.js';
import { createPersistHandler } from '../../functions/persist/persist.handler.js';
import { CANDLE_LOCK_NAMESPACE } from '../../shared/candles/candle-cache.js';
import { captureLogger } from '../support/capture-logger.js';
import { pubsubEvent } from '../support/pubsub-event.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let db: TestDatabase;
let app: ReturnType<typeof createApp>;
let persist: ReturnType<typeof createPersistHandler>;
let logs: ReturnType<typeof captureLogger>;

const HOUR = 3_600_000;
/** Two hours ago, on the hour: long closed, so its buckets are stored. */
const BASE = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
const at = (minutes: number) => new Date(BASE + minutes * 60_000).toISOString();

interface Candle {
  timestamp: string;
  open: string;
  close: string;
  volume: string;
  trade_count: number;
}

let tradeCounter = 0;
async function publish(symbol: string, trades: { price: string; ts: string; volume?: string }[]) {
  await persist(
    pubsubEvent({
      v: 1,
      source: 'test',
      trades: trades.map((t) => ({
        trade_id: `${symbol}-${++tradeCounter}`,
        symbol,
        price: t.price,
        volume: t.volume ?? '1',
        ts: t.ts,
      })),
    }),
  );
}

async function candles(symbol: string, query: string): Promise<Candle[]> {
  const response = await app.request(`/candles?symbol=${symbol}&${query}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { candles: Candle[] }).candles;
}

async function storedRows(symbol: string, intervalSeconds: number) {
  return db.sql<{ bucket: Date; close: string | null; trade_count: number }[]>`
    select bucket, trim_scale(close)::text as close, trade_count from candles
    where symbol = ${symbol} and interval_seconds = ${intervalSeconds} order by bucket`;
}

/** A promise and the function that resolves it: the test decides when a transaction goes on. */
function gate(): [Promise<void>, () => void] {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return [opened, open];
}

async function addSymbol(symbol: string) {
  await db.sql`insert into symbols (symbol, name) values (${symbol}, ${symbol})`;
}

beforeAll(async () => {
  db = await createTestDatabase();
  logs = captureLogger();
  app = createApp({ sql: db.sql, logger: logs.logger });
  persist = createPersistHandler({ sql: db.sql, logger: logs.logger });
});
afterAll(() => db.drop());

describe('stored candles', () => {
  it('stores closed buckets, empty ones included, and serves them from the store', async () => {
    await addSymbol('ST');
    await publish('ST', [
      { price: '10', ts: at(0) },
      { price: '11', ts: at(0.5) },
      { price: '12', ts: at(3) },
    ]);
    const range = `interval=1m&start=${at(0)}&end=${at(5)}`;
    const first = await candles('ST', range);
    expect(first.map((c) => [c.timestamp, c.close])).toEqual([
      [at(0), '11'],
      [at(3), '12'],
    ]);
    // Five closed minutes: three of them empty, stored as such.
    const rows = await storedRows('ST', 60);
    expect(rows.map((r) => [r.bucket.toISOString(), r.trade_count])).toEqual([
      [at(0), 2],
      [at(1), 0],
      [at(2), 0],
      [at(3), 1],
      [at(4), 0],
    ]);
    // What the store holds is what is served: a changed row shows in the next answer, as stored...
    await db.sql`
      update candles set close = 99, json = replace(json, '"close":"11"', '"close":"99"')
      where symbol = 'ST' and interval_seconds = 60 and bucket = ${at(0)}`;
    expect((await candles('ST', range))[0]).toEqual({ ...first[0], close: '99' });
    // ...and a row written without its JSON is given it from its columns by the database
    // (migration 0007), whoever wrote it.
    await db.sql`
      update candles set close = 98, json = null
      where symbol = 'ST' and interval_seconds = 60 and bucket = ${at(0)}`;
    expect((await candles('ST', range))[0]).toEqual({ ...first[0], close: '98' });
  });

  it('computes and stores only the buckets the store lacks, and answers from the store', async () => {
    await addSymbol('SM');
    await publish('SM', [
      { price: '20', ts: at(10) },
      { price: '21', ts: at(11.5) },
      { price: '22', ts: at(12) },
    ]);
    const range = `interval=1m&start=${at(10)}&end=${at(13)}`;
    const first = await candles('SM', range);
    expect(first.map((c) => [c.timestamp, c.close])).toEqual([
      [at(10), '20'],
      [at(11), '21'],
      [at(12), '22'],
    ]);
    // A stored row changed by hand stays as stored (not recomputed); a missing one is recomputed.
    await db.sql`
      update candles set close = 99, json = replace(json, '"close":"20"', '"close":"99"')
      where symbol = 'SM' and interval_seconds = 60 and bucket = ${at(10)}`;
    await db.sql`delete from candles where symbol = 'SM' and interval_seconds = 60 and bucket = ${at(11)}`;
    const again = await candles('SM', range);
    expect(again).toEqual([{ ...first[0], close: '99' }, first[1], first[2]]);
    expect((await storedRows('SM', 60)).map((r) => r.bucket.toISOString())).toEqual([
      at(10),
      at(11),
      at(12),
    ]);
  });

  it('a late trade deletes the stored candle in its transaction and shows in the next answer', async () => {
    await addSymbol('LATE');
    await publish('LATE', [{ price: '10', ts: at(10) }]);
    const range = `interval=1h&start=${at(0)}&end=${at(60)}`;
    expect((await candles('LATE', range))[0]).toMatchObject({ close: '10', trade_count: 1 });
    expect(await storedRows('LATE', 3600)).toHaveLength(1);
    await publish('LATE', [{ price: '20', ts: at(50), volume: '3' }]);
    expect(await storedRows('LATE', 3600)).toHaveLength(0);
    expect((await candles('LATE', range))[0]).toMatchObject({
      open: '10',
      close: '20',
      volume: '4',
      trade_count: 2,
    });
    const stored = logs.lines().filter((line) => line.message === 'stored 1 of 1 trades');
    expect(stored.at(-1)).toMatchObject({ late: true });
    expect(stored.at(-1)?.candles_invalidated).toBeGreaterThanOrEqual(1);
  });

  it('a late trade after a recent one in its message still invalidates: the guard takes the earliest', async () => {
    await addSymbol('LATE2');
    await publish('LATE2', [{ price: '10', ts: at(10) }]);
    const range = `interval=1h&start=${at(0)}&end=${at(60)}`;
    await candles('LATE2', range);
    expect(await storedRows('LATE2', 3600)).toHaveLength(1);
    // The message's first trade is recent, its second falls into the stored hour.
    await publish('LATE2', [
      { price: '30', ts: new Date(Date.now() - 1_000).toISOString() },
      { price: '20', ts: at(50), volume: '3' },
    ]);
    const stored = logs.lines().filter((line) => line.message === 'stored 2 of 2 trades');
    expect(stored.at(-1)).toMatchObject({ late: true });
    expect(await storedRows('LATE2', 3600)).toHaveLength(0);
    expect((await candles('LATE2', range))[0]).toMatchObject({ close: '20', trade_count: 2 });
  });

  it('computes partial and still-open buckets fresh and never stores them', async () => {
    await addSymbol('OPEN');
    const now = Date.now();
    await publish('OPEN', [
      { price: '5', ts: at(0.5) },
      { price: '6', ts: new Date(now - 5_000).toISOString() },
    ]);
    // Starts mid-minute: the first bucket is partial. Ends in the future: the last is open.
    const query = `interval=1m&start=${at(0.25)}&end=${new Date(now + 60_000).toISOString()}&limit=5000`;
    await candles('OPEN', query);
    const rows = await storedRows('OPEN', 60);
    expect(rows.some((r) => r.bucket.toISOString() === at(0))).toBe(false);
    expect(rows.every((r) => r.bucket.getTime() + 60_000 <= now - 60_000)).toBe(true);
    expect(rows.length).toBeGreaterThan(0);
    // A new trade in the open minute is in the very next answer (a recent one takes no lock).
    await publish('OPEN', [{ price: '7', ts: new Date(now - 1_000).toISOString() }]);
    const last = (await candles('OPEN', query)).at(-1);
    expect(last?.close).toBe('7');
    // persist's line for that batch (the jump from 6 to 7 also logs a detected anomaly after it).
    const stored = logs.lines().filter((line) => String(line.message).startsWith('stored '));
    expect(stored.at(-1)).toMatchObject({ late: false, candles_invalidated: 0 });
  });

  it('stores nothing before the first trade, and a trade earlier still is found', async () => {
    await addSymbol('EARLY');
    await publish('EARLY', [{ price: '1', ts: at(30) }]);
    const range = `interval=1m&start=${at(0)}&end=${at(40)}`;
    expect(await candles('EARLY', range)).toHaveLength(1);
    expect((await storedRows('EARLY', 60))[0]?.bucket.toISOString()).toBe(at(30));
    await publish('EARLY', [{ price: '2', ts: at(5) }]);
    expect((await candles('EARLY', range)).map((c) => c.timestamp)).toEqual([at(5), at(30)]);
  });
});

describe('the lock protocol (shared/candles/candle-cache.ts)', () => {
  it('the api waits for a late batch in flight, then computes with it', async () => {
    await addSymbol('RACE1');
    await publish('RACE1', [{ price: '10', ts: at(0) }]);
    const [released, release] = gate();
    const [lockHeld, locked] = gate();
    // What persist does for a late batch: the lock, then the trade, then commit.
    const persistLike = db.sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(${CANDLE_LOCK_NAMESPACE}, hashtext('RACE1'))`;
      await tx`insert into trades (trade_id, symbol, price, volume, ts, source)
               values ('RACE1-late', 'RACE1', 30, 1, ${at(0.5)}, 'test')`;
      await tx`select rebuild_minute_rollups('RACE1')`; // persist keeps them in the same transaction
      locked();
      await released;
    });
    await lockHeld;
    let answered = false;
    const request = candles('RACE1', `interval=1m&start=${at(0)}&end=${at(1)}`).then((c) => {
      answered = true;
      return c;
    });
    await sleep(300);
    expect(answered).toBe(false);
    release();
    await persistLike;
    expect((await request)[0]).toMatchObject({ close: '30', trade_count: 2 });
    expect((await storedRows('RACE1', 60))[0]).toMatchObject({ close: '30', trade_count: 2 });
  });

  it('a late batch waits for an api storing candles, then deletes what it stored', async () => {
    await addSymbol('RACE2');
    await publish('RACE2', [{ price: '10', ts: at(0) }]);
    const [released, release] = gate();
    const [lockHeld, locked] = gate();
    // What the api does: the shared lock, then a candle stored from what it saw.
    const apiLike = db.sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock_shared(${CANDLE_LOCK_NAMESPACE}, hashtext('RACE2'))`;
      locked();
      await released;
      await tx`insert into candles (symbol, interval_seconds, bucket, open, high, low, close, volume, vwap, trade_count)
               values ('RACE2', 60, ${at(0)}, 10, 10, 10, 10, 1, 10, 1)`;
    });
    await lockHeld;
    let stored = false;
    const late = publish('RACE2', [{ price: '40', ts: at(0.5) }]).then(() => (stored = true));
    await sleep(300);
    expect(stored).toBe(false);
    release();
    await apiLike;
    await late;
    expect(await storedRows('RACE2', 60)).toHaveLength(0);
    expect((await candles('RACE2', `interval=1m&start=${at(0)}&end=${at(1)}`))[0]).toMatchObject({
      close: '40',
      trade_count: 2,
    });
  });

  it('stays exact while late batches and requests race', async () => {
    await addSymbol('RACE3');
    const range = `interval=5m&start=${at(0)}&end=${at(60)}`;
    for (let round = 0; round < 15; round++) {
      await Promise.all([
        publish('RACE3', [{ price: String(round + 1), ts: at(round * 4 + 1) }]),
        candles('RACE3', range),
        candles('RACE3', `interval=1h&start=${at(0)}&end=${at(60)}`),
      ]);
    }
    await candles('RACE3', range);
    // Every stored candle equals the candle computed from the trades now.
    const mismatches = await db.sql`
      with fresh as (
        select date_bin('5 minutes', ts, '1970-01-05T00:00:00Z') as bucket, count(*)::int as n, sum(volume) as v
        from trades where symbol = 'RACE3' group by 1
      )
      select c.bucket from candles c left join fresh f using (bucket)
      where c.symbol = 'RACE3' and c.interval_seconds = 300
        and (coalesce(f.n, 0) <> c.trade_count or f.v is distinct from c.volume)`;
    expect(mismatches).toHaveLength(0);
    expect((await storedRows('RACE3', 300)).length).toBeGreaterThan(0);
  });
});

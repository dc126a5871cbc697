import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPersistHandler } from '../../functions/persist/persist.handler.js';
import { createSql } from '../../shared/db/client.js';
import { captureLogger } from '../support/capture-logger.js';
import { pubsubEvent } from '../support/pubsub-event.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());
beforeEach(async () => {
  await db.sql`truncate trades, latest_prices, trade_counts, rejected_messages, symbols cascade`;
  await db.sql`insert into symbols (symbol, name) values ('AAPL', 'Apple Inc.'), ('BTC-USD', 'Bitcoin')`;
});

const trade = (n: number, overrides: Record<string, unknown> = {}) => ({
  trade_id: `AAPL-${n}`,
  symbol: 'AAPL',
  price: `${100 + n}.25`,
  volume: '1000',
  ts: new Date(Date.parse('2026-11-21T15:00:00Z') + n * 3_000).toISOString(),
  ...overrides,
});
const batch = (trades: unknown[]) => ({ v: 1, source: 'test', trades });

function handler() {
  const capture = captureLogger();
  return {
    persist: createPersistHandler({ sql: db.sql, logger: capture.logger }),
    lines: capture.lines,
  };
}

const counts = async () => {
  const [row] = await db.sql<{ trades: number; rejected: number }[]>`
    select (select count(*) from trades)::int as trades, (select count(*) from rejected_messages)::int as rejected`;
  return row;
};

describe('persist', () => {
  it('keeps each symbol’s trade count with its trades: a duplicate or a redelivery counts once', async () => {
    const { persist } = handler();
    // A trade's identity is (trade_id, ts): a redelivered trade carries the same ts.
    const startMs = Date.now() - 1_000;
    const recent = (n: number) => trade(100 + n, { ts: new Date(startMs + n).toISOString() });
    // A late batch (the locked path), then recent ones (one statement), one delivered twice, one
    // repeating a stored trade.
    await persist(
      pubsubEvent(batch([trade(1), trade(2, { symbol: 'btc-usd', trade_id: 'BTC-2' })])),
    );
    const twice = pubsubEvent(batch([recent(1), recent(2)]));
    await persist(twice);
    await persist(twice);
    await persist(pubsubEvent(batch([recent(2), recent(3), trade(1)])));
    const kept = await db.sql`select symbol, trade_count::int from trade_counts order by symbol`;
    const counted = await db.sql`
      select symbol, count(*)::int as trade_count from trades group by symbol order by symbol`;
    expect(kept).toEqual(counted);
    expect(kept).toEqual([
      { symbol: 'AAPL', trade_count: 4 },
      { symbol: 'BTC-USD', trade_count: 1 },
    ]);
  });

  it('stores a batch exactly: decimals, timestamps and arrival order', async () => {
    const { persist } = handler();
    await persist(
      pubsubEvent(
        batch([trade(1), trade(2, { price: '0.00141342', symbol: 'btc-usd', trade_id: 'BTC-1' })]),
      ),
    );
    const rows =
      await db.sql`select trade_id, symbol, price::text, volume::text, ts, source from trades order by seq`;
    expect(rows).toEqual([
      {
        trade_id: 'AAPL-1',
        symbol: 'AAPL',
        price: '101.25000000',
        volume: '1000.00000000',
        ts: new Date('2026-11-21T15:00:03Z'),
        source: 'test',
      },
      {
        trade_id: 'BTC-1',
        symbol: 'BTC-USD',
        price: '0.00141342',
        volume: '1000.00000000',
        ts: new Date('2026-11-21T15:00:06Z'),
        source: 'test',
      },
    ]);
  });

  it('keeps microseconds and 20-digit decimals exactly as received', async () => {
    const { persist } = handler();
    await persist(
      pubsubEvent(
        batch([
          trade(1, {
            ts: '2026-11-21T15:00:00.000123Z',
            price: '12345678901234567890.12345678',
            volume: '0.00000001',
          }),
        ]),
      ),
    );
    const [row] =
      await db.sql`select price::text, volume::text, to_char(ts at time zone 'UTC', 'HH24:MI:SS.US') as time from trades`;
    expect(row).toEqual({
      price: '12345678901234567890.12345678',
      volume: '0.00000001',
      time: '15:00:00.000123',
    });
  });

  it('ignores duplicates: the same message three times, and overlapping batches, give one row per trade', async () => {
    const { persist } = handler();
    const event = pubsubEvent(batch([trade(1), trade(2), trade(3)]));
    await persist(event);
    await persist(event);
    await persist(event);
    await persist(pubsubEvent(batch([trade(3), trade(4)])));
    expect(await counts()).toEqual({ trades: 4, rejected: 0 });
  });

  it('moves latest_prices forward only, whatever order batches arrive in', async () => {
    const { persist } = handler();
    await persist(pubsubEvent(batch([trade(10), trade(11)])));
    await persist(pubsubEvent(batch([trade(1), trade(2)]))); // late, older trades
    const [latest] =
      await db.sql`select trade_id, price::text from latest_prices where symbol = 'AAPL'`;
    expect(latest).toEqual({ trade_id: 'AAPL-11', price: '111.25000000' });
  });

  it('breaks timestamp ties by message order: the later trade in the message is the latest', async () => {
    const { persist } = handler();
    const ts = '2026-11-21T15:30:00.000Z';
    await persist(
      pubsubEvent(
        batch([
          trade(1, { ts, price: '10' }),
          trade(2, { ts, price: '20' }),
          trade(3, { ts, price: '15' }),
        ]),
      ),
    );
    const [latest] = await db.sql`select trade_id from latest_prices where symbol = 'AAPL'`;
    expect(latest?.trade_id).toBe('AAPL-3');
    const order = await db.sql<
      { trade_id: string }[]
    >`select trade_id from trades where ts = ${ts} order by seq`;
    expect(order.map((row) => row.trade_id)).toEqual(['AAPL-1', 'AAPL-2', 'AAPL-3']);
  });

  it('rejects a batch with an unknown symbol whole: recorded, acknowledged, nothing written', async () => {
    const { persist, lines } = handler();
    const event = pubsubEvent(batch([trade(1), trade(2, { symbol: 'NOPE', trade_id: 'NOPE-2' })]), {
      messageId: 'poison-1',
    });
    await expect(persist(event)).resolves.toBeUndefined();
    expect(await counts()).toEqual({ trades: 0, rejected: 1 });
    const [rejected] =
      await db.sql`select message_id, reason, details, payload from rejected_messages`;
    expect(rejected?.message_id).toBe('poison-1');
    expect(rejected?.reason).toBe('unknown_symbol');
    expect(JSON.parse((rejected?.payload as Buffer).toString())).toEqual(
      batch([trade(1), trade(2, { symbol: 'NOPE', trade_id: 'NOPE-2' })]),
    );
    expect(lines().find((line) => line.reason === 'unknown_symbol')).toMatchObject({
      severity: 'WARNING',
      message_id: 'poison-1',
    });
  });

  it('records a poison message once however often it is redelivered, keeping its raw bytes', async () => {
    const { persist } = handler();
    const event = pubsubEvent('{"v":1, "source": "x", "trades": [', { messageId: 'poison-2' });
    await persist(event);
    await persist(event);
    const rows =
      await db.sql`select reason, convert_from(payload, 'UTF8') as payload from rejected_messages`;
    expect(rows).toEqual([
      { reason: 'invalid_json', payload: '{"v":1, "source": "x", "trades": [' },
    ]);
    expect((await counts())?.trades).toBe(0);
  });

  it('records hostile payloads containing NUL characters instead of failing forever', async () => {
    const { persist } = handler();
    await persist(
      pubsubEvent(
        { v: 1, source: 's', trades: [{ ...trade(1), 'evil\u0000key': 1 }] },
        { messageId: 'poison-3' },
      ),
    );
    expect(await counts()).toEqual({ trades: 0, rejected: 1 });
  });

  it('throws when the database is unreachable, so Pub/Sub redelivers the message', async () => {
    const unreachable = createSql({
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
      DB_POOL_MAX: 1,
      DB_CONNECT_TIMEOUT_SECONDS: 1,
    });
    const persist = createPersistHandler({ sql: unreachable, logger: captureLogger().logger });
    await expect(persist(pubsubEvent(batch([trade(1)])))).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
    await expect(persist(pubsubEvent('not json'))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await unreachable.end();
  });

  it('writes nothing when the statement fails halfway through a batch', async () => {
    const { persist } = handler();
    // A trigger that fails on the third row stands in for a crash mid-statement.
    await db.sql`create function fail_third() returns trigger language plpgsql as $$
      begin if new.trade_id = 'AAPL-3' then raise exception 'boom' using errcode = '57P01'; end if; return new; end $$`;
    await db.sql`create trigger fail_third before insert on trades for each row execute function fail_third()`;
    try {
      await expect(
        persist(pubsubEvent(batch([trade(1), trade(2), trade(3), trade(4)]))),
      ).rejects.toThrow('boom');
      expect(await counts()).toEqual({ trades: 0, rejected: 0 });
      expect(await db.sql`select * from latest_prices`).toHaveLength(0);
    } finally {
      await db.sql`drop trigger fail_third on trades`;
      await db.sql`drop function fail_third()`;
    }
  });

  it('stores a batch of one symbol and refuses one naming a symbol nobody created, whole', async () => {
    const { persist } = handler();
    await persist(pubsubEvent(batch([trade(1), trade(2, { symbol: 'BTC-USD', trade_id: 'B-2' })])));
    await persist(pubsubEvent(batch([trade(3), trade(4, { symbol: 'NOPE', trade_id: 'N-4' })])));
    expect(await counts()).toEqual({ trades: 2, rejected: 1 });
  });

  it('never lets a symbol with trades be deleted: the database refuses it, deactivation is the way', async () => {
    const { persist } = handler();
    await persist(pubsubEvent(batch([trade(1)])));
    await expect(db.sql`delete from symbols where symbol = 'AAPL'`).rejects.toMatchObject({
      code: '23001',
    });
    expect(await db.sql`select 1 from symbols where symbol = 'AAPL'`).toHaveLength(1);
  });
});

describe('database connection settings', () => {
  it('DATABASE_PASSWORD overrides the URL password (the URL can live in plain env, the password in a secret)', async () => {
    const url = new URL(db.url);
    const realPassword = decodeURIComponent(url.password);
    url.password = 'wrong';
    const withSecret = createSql({
      DATABASE_URL: url.toString(),
      DATABASE_PASSWORD: realPassword,
      DB_POOL_MAX: 1,
      DB_CONNECT_TIMEOUT_SECONDS: 3,
    });
    expect(await withSecret`select 1 as ok`).toEqual([{ ok: 1 }]);
    await withSecret.end();
    const without = createSql({
      DATABASE_URL: url.toString(),
      DB_POOL_MAX: 1,
      DB_CONNECT_TIMEOUT_SECONDS: 3,
    });
    await expect(without`select 1`).rejects.toMatchObject({ code: '28P01' });
    await without.end();
  });
});

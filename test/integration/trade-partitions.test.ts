/**
 * The partitioned trades table (migration 0019, shared/trades/partition-maintenance.ts) through
 * persist and the maintenance run, on a real PostgreSQL: months created ahead, a replay into an
 * old month, idempotency across partitions, retention that drops whole months, and the maintenance
 * path of the ingest function as deployed.
 */
import type { Server } from 'node:http';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPersistHandler } from '../../functions/persist/persist.handler.js';
import {
  maintainTradePartitions,
  monthlyPartitions,
  MONTHS_AHEAD,
} from '../../shared/trades/partition-maintenance.js';
import { addMonths, monthLabel, monthOf } from '../../shared/trades/trade-partitions.js';
import { captureLogger } from '../support/capture-logger.js';
import { close, listen } from '../support/http-server.js';
import { pubsubEvent } from '../support/pubsub-event.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());
beforeEach(async () => {
  await db.sql`truncate trades, latest_prices, trade_counts, candles, symbols cascade`;
  await db.sql`insert into symbols (symbol, name) values ('AAPL', 'Apple Inc.'), ('XRPETH', 'Ripple')`;
  // Months an earlier test made for old trades go, so each test starts from the template's layout.
  for (const month of await monthlyPartitions(db.sql))
    if (month < monthOf(new Date())) await db.sql.unsafe(`drop table ${partitionOf(month)}`);
});

const partitionOf = (month: Date) =>
  `trades_p${month.getUTCFullYear()}_${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
const trade = (id: string, ts: string, symbol = 'XRPETH') => ({
  trade_id: id,
  symbol,
  price: '0.00141342',
  volume: '12.5',
  ts,
});
const batch = (trades: unknown[]) => pubsubEvent({ v: 1, source: 'replay', trades });

function persist() {
  return createPersistHandler({ sql: db.sql, logger: captureLogger().logger });
}

/** Where each trade is stored: its partition, by trade_id. */
async function placement(): Promise<Record<string, string>> {
  const rows = await db.sql<{ trade_id: string; partition: string }[]>`
    select trade_id, tableoid::regclass::text as partition from trades order by trade_id`;
  return Object.fromEntries(rows.map((r) => [r.trade_id, r.partition]));
}

async function countsAgree(): Promise<Record<string, number>> {
  const kept = await db.sql<{ symbol: string; n: number }[]>`
    select symbol, trade_count::int as n from trade_counts where trade_count > 0 order by symbol`;
  const counted = await db.sql<{ symbol: string; n: number }[]>`
    select symbol, count(*)::int as n from trades group by symbol order by symbol`;
  expect(kept).toEqual(counted);
  return Object.fromEntries(kept.map((r) => [r.symbol, r.n]));
}

describe('trades partitions', () => {
  it('has this month and the months ahead, and a live trade lands in its month', async () => {
    const now = new Date();
    const months = (await monthlyPartitions(db.sql)).map(monthLabel);
    const expected = Array.from({ length: MONTHS_AHEAD + 1 }, (_, i) =>
      monthLabel(addMonths(monthOf(now), i)),
    );
    expect(months).toEqual(expected);

    await persist()(batch([trade('LIVE-1', new Date(Date.now() - 1_000).toISOString(), 'AAPL')]));
    expect(await placement()).toEqual({ 'LIVE-1': partitionOf(monthOf(new Date())) });
  });

  it('creates the months ahead as time goes on, and a second run creates nothing', async () => {
    const { logger } = captureLogger();
    const later = addMonths(monthOf(new Date()), 2);
    const first = await maintainTradePartitions(db.sql, { logger, now: later });
    expect(first.created.map((c) => c.month)).toEqual([
      monthLabel(addMonths(later, MONTHS_AHEAD - 1)),
      monthLabel(addMonths(later, MONTHS_AHEAD)),
    ]);
    const second = await maintainTradePartitions(db.sql, { logger, now: later });
    expect(second).toEqual({ created: [], dropped: [] });
    // Leave the template's layout for the other tests.
    for (const c of first.created) await db.sql.unsafe(`drop table ${c.partition}`);
  });

  it('stores a replayed trade of a month without a partition, then moves it into one, once', async () => {
    const handler = persist();
    const replay = batch([
      trade('XRPETH:1', '2019-10-11T00:00:01.000Z'),
      trade('XRPETH:2', '2019-10-31T23:59:59.999Z'),
      trade('XRPETH:3', '2019-11-01T00:00:00.000Z'),
    ]);
    await handler(replay);
    expect(await placement()).toEqual({
      'XRPETH:1': 'trades_default',
      'XRPETH:2': 'trades_default',
      'XRPETH:3': 'trades_default',
    });
    // Redelivered while the trades are in the default partition: stored once.
    await handler(replay);
    expect(await countsAgree()).toEqual({ XRPETH: 3 });

    const { logger, lines } = captureLogger();
    const report = await maintainTradePartitions(db.sql, { logger });
    expect(report.created).toEqual([
      { partition: 'trades_p2019_10', month: '2019-10', moved: 2 },
      { partition: 'trades_p2019_11', month: '2019-11', moved: 1 },
    ]);
    expect(await placement()).toEqual({
      'XRPETH:1': 'trades_p2019_10',
      'XRPETH:2': 'trades_p2019_10',
      'XRPETH:3': 'trades_p2019_11',
    });
    expect(lines().map((l) => l['message'])).toContain(
      'created partition trades_p2019_10 for 2019-10, moving 2 trades into it from trades_default',
    );

    // Redelivered once the trades sit in their months, across both: still stored once.
    await handler(replay);
    await handler(batch([trade('XRPETH:3', '2019-11-01T00:00:00.000Z')]));
    expect(await countsAgree()).toEqual({ XRPETH: 3 });
    expect(Object.keys(await placement())).toHaveLength(3);
  });

  it('identifies a trade by (trade_id, ts): the same id at another time is another row', async () => {
    // The rule a source must follow (docs/architecture.md): a redelivered trade carries the same ts.
    await persist()(batch([trade('SAME', '2019-10-11T00:00:01.000Z')]));
    await persist()(batch([trade('SAME', '2019-10-11T00:00:02.000Z')]));
    expect(await countsAgree()).toEqual({ XRPETH: 2 });
  });

  it('drops whole months past TRADES_RETENTION_DAYS, keeps stored candles, counts stay true', async () => {
    const handler = persist();
    await handler(
      batch([
        trade('OLD-1', '2019-10-11T00:00:01.000Z'),
        trade('OLD-2', '2019-11-02T00:00:00.000Z'),
        trade('AAPL-OLD', '2019-10-12T00:00:00.000Z', 'AAPL'),
      ]),
    );
    await handler(batch([trade('NEW-1', new Date(Date.now() - 1_000).toISOString(), 'AAPL')]));
    await db.sql`
      insert into candles (symbol, interval_seconds, bucket, open, high, low, close, volume, vwap, trade_count)
      values ('XRPETH', 60, '2019-10-11T00:00:00Z', 1, 1, 1, 1, 1, 1, 1)`;
    const { logger } = captureLogger();
    await maintainTradePartitions(db.sql, { logger });

    // 2019-10 ends on 2019-11-01: with `now` 40 days after that, a 35-day retention drops October
    // alone, as November still has days younger than 35 days.
    const now = new Date('2019-12-11T00:00:00Z');
    const capture = captureLogger();
    const report = await maintainTradePartitions(db.sql, {
      logger: capture.logger,
      now,
      retentionDays: 35,
    });
    expect(report.dropped.map(({ partition, trades }) => ({ partition, trades }))).toEqual([
      { partition: 'trades_p2019_10', trades: 2 },
    ]);
    expect(await placement()).toEqual({
      'NEW-1': partitionOf(monthOf(new Date())),
      'OLD-2': 'trades_p2019_11',
    });
    expect(await countsAgree()).toEqual({ AAPL: 1, XRPETH: 1 });
    const dropped = capture.lines().find((l) => l['partition'] === 'trades_p2019_10');
    expect(dropped).toMatchObject({
      message:
        'dropped partition trades_p2019_10: 2 trades of 2019-10, past TRADES_RETENTION_DAYS=35',
      by_symbol: { AAPL: 1, XRPETH: 1 },
    });
    // Stored candles are the candles store's, kept whatever the trades' retention.
    const [candles] = await db.sql<{ n: number }[]>`select count(*)::int as n from candles`;
    expect(candles?.n).toBe(1);
    // A trade of the dropped month replayed again lands in the default partition: the month is gone
    // from the layout, not forbidden.
    await handler(batch([trade('OLD-1', '2019-10-11T00:00:01.000Z')]));
    expect((await placement())['OLD-1']).toBe('trades_default');
  });

  it('never drops anything when TRADES_RETENTION_DAYS is unset', async () => {
    await persist()(batch([trade('OLD-1', '2019-10-11T00:00:01.000Z')]));
    const { logger } = captureLogger();
    await maintainTradePartitions(db.sql, { logger });
    const report = await maintainTradePartitions(db.sql, {
      logger,
      now: new Date('2040-01-01T00:00:00Z'),
    });
    expect(report.dropped).toEqual([]);
    expect(await countsAgree()).toEqual({ XRPETH: 1 });
    for (const c of report.created) await db.sql.unsafe(`drop table ${c.partition}`);
  });
});

describe('POST /maintenance on the ingest function', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    Object.assign(process.env, {
      DATABASE_URL: db.url,
      // Nothing is published here; the direct push keeps the Pub/Sub client out of it.
      PUBSUB_DIRECT_PUSH_URL: 'http://127.0.0.1:9',
      TRADES_RETENTION_DAYS: '35',
      LOG_LEVEL: 'error',
    });
    await import('../../functions/ingest/index.js');
    server = getTestServer('ingest');
    base = await listen(server);
  });
  afterAll(() => close(server));

  it('moves replayed trades into their months and drops months past the retention', async () => {
    await persist()(batch([trade('OLD-1', '2019-10-11T00:00:01.000Z')]));
    const response = await fetch(`${base}/maintenance`, { method: 'POST' });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      created: [{ partition: 'trades_p2019_10', moved: 1 }],
      dropped: [{ partition: 'trades_p2019_10', trades: 1 }],
      retention_days: 35,
    });
    expect(await countsAgree()).toEqual({});
  });

  it('answers 405 to anything but POST', async () => {
    const response = await fetch(`${base}/maintenance`);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });
});

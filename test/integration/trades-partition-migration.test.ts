/**
 * Migration 0019 on a populated database of an earlier version: `trades` unpartitioned, trades
 * spanning several months (some from before the stream's xid column), then the migration and the
 * maintenance run `npm run migrate` does after it. Every row must come out as it went in, in its
 * month's partition, none lost and none doubled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPersistHandler } from '../../functions/persist/persist.handler.js';
import { loadMigrations, migrate } from '../../shared/db/migrate.js';
import {
  maintainTradePartitions,
  monthlyPartitions,
} from '../../shared/trades/partition-maintenance.js';
import { monthLabel } from '../../shared/trades/trade-partitions.js';
import { captureLogger } from '../support/capture-logger.js';
import { pubsubEvent } from '../support/pubsub-event.js';
import { createEmptyTestDatabase, type TestDatabase } from '../support/test-database.js';

/** 2025-06-20 to 2025-11-09: six months, every 7 minutes, two symbols. */
const TRADES = 2 * 30_000;

let db: TestDatabase;
beforeAll(async () => {
  db = await createEmptyTestDatabase();
});
afterAll(() => db.drop());

const allRows = () => db.sql`
  select trade_id, seq, symbol, price::text, volume::text, ts, source, message_id, ingested_at, xid
  from trades order by trade_id, ts`;

describe('migrating an unpartitioned trades table', () => {
  it('moves every trade into its month, none lost and none doubled, with progress', async () => {
    const migrations = await loadMigrations();
    await migrate(
      db.sql,
      migrations.filter((m) => m.version < '0019'),
    );
    await db.sql`insert into symbols (symbol, name) values ('AAPL', 'Apple Inc.'), ('MSFT', 'Microsoft')`;
    await db.sql`
      insert into trades (trade_id, symbol, price, volume, ts, source, message_id, ingested_at)
      select s.symbol || '-' || g, s.symbol, 100 + (g % 1000) / 100.0, 1 + g % 7,
             '2025-06-20T00:00:00Z'::timestamptz + g * interval '7 minutes', 'synthetic',
             'm' || (g / 100), '2025-06-20T00:00:00Z'::timestamptz + g * interval '7 minutes' + interval '2 seconds'
      from generate_series(0, ${TRADES / 2 - 1}) g cross join (values ('AAPL'), ('MSFT')) s(symbol)`;
    // Trades stored before migration 0009 have no xid.
    await db.sql`update trades set xid = null where trade_id like 'AAPL-1%'`;
    await db.sql`insert into trade_counts (symbol, trade_count) select symbol, count(*) from trades group by symbol`;
    const before = await allRows();
    expect(before).toHaveLength(TRADES);
    const [seqBefore] = await db.sql<{ max: string }[]>`select max(seq)::text as max from trades`;

    const applied = await migrate(db.sql, migrations);
    expect(applied).toContain('0019');
    // Straight after the migration every trade is readable, all of them in the default partition.
    expect(await allRows()).toEqual(before);

    const { logger, lines } = captureLogger();
    const report = await maintainTradePartitions(db.sql, {
      logger,
      now: new Date('2025-11-20T00:00:00Z'),
      batchBlocks: 40,
    });
    const months = ['2025-06', '2025-07', '2025-08', '2025-09', '2025-10', '2025-11'];
    const moved = report.created.filter((c) => c.moved > 0);
    expect(moved.map((c) => c.month)).toEqual(months);
    expect(moved.reduce((sum, c) => sum + c.moved, 0)).toBe(TRADES);

    // Every row as it was, each in the partition of its month, the default partition empty.
    expect(await allRows()).toEqual(before);
    const placed = await db.sql<{ partition: string; month: string; n: number }[]>`
      select tableoid::regclass::text as partition, to_char(ts at time zone 'UTC', 'YYYY_MM') as month,
             count(*)::int as n
      from trades group by 1, 2 order by 2`;
    expect(placed.map((p) => p.partition)).toEqual(
      months.map((m) => `trades_p${m.replace('-', '_')}`),
    );
    expect(placed.every((p) => p.partition === `trades_p${p.month}`)).toBe(true);
    const [left] = await db.sql<{ n: number }[]>`select count(*)::int as n from trades_default`;
    expect(left?.n).toBe(0);
    expect((await monthlyPartitions(db.sql)).map(monthLabel)).toEqual([
      ...months,
      '2025-12',
      '2026-01',
      '2026-02',
    ]);

    // Progress: each month's move reports what it moved, and the last line of each has read it all.
    const progress = lines().filter((l) => String(l['message']).startsWith('moving '));
    for (const c of moved) {
      const last = progress.filter((l) => l['partition'] === c.partition).at(-1);
      expect(last).toMatchObject({ moved: c.moved });
      expect(last?.['blocks_read']).toBe(last?.['blocks']);
    }

    // The counts still agree, the next trade's seq follows the old ones, an old trade delivered
    // again is a duplicate, and a second run has nothing to do.
    const counts = await db.sql`select symbol, trade_count::int from trade_counts order by symbol`;
    expect(counts).toEqual([
      { symbol: 'AAPL', trade_count: TRADES / 2 },
      { symbol: 'MSFT', trade_count: TRADES / 2 },
    ]);
    const persist = createPersistHandler({ sql: db.sql, logger });
    const old = before[12] as { trade_id: string; ts: Date; symbol: string };
    await persist(
      pubsubEvent({
        v: 1,
        source: 'synthetic',
        trades: [
          {
            trade_id: old.trade_id,
            symbol: old.symbol,
            price: '1',
            volume: '1',
            ts: old.ts.toISOString(),
          },
          {
            trade_id: 'MSFT-new',
            symbol: 'MSFT',
            price: '1',
            volume: '1',
            ts: '2025-11-19T12:00:00.000Z',
          },
        ],
      }),
    );
    const [after] = await db.sql<{ n: number; seq: string }[]>`
      select (select count(*)::int from trades) as n,
             (select seq::text from trades where trade_id = 'MSFT-new') as seq`;
    expect(after?.n).toBe(TRADES + 1);
    expect(BigInt(after?.seq ?? '0')).toBeGreaterThan(BigInt(seqBefore?.max ?? 'x'));
    expect(
      await maintainTradePartitions(db.sql, { logger, now: new Date('2025-11-20T00:00:00Z') }),
    ).toEqual({ created: [], dropped: [] });
  });
});

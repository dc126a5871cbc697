/**
 * Migration 0011 on a database an earlier release filled: the minute rollups are backfilled from
 * the stored trades, and /candles answers what that release computed from the trades, byte for
 * byte.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createApp } from '../../functions/api/app.js';
import { aggregateTrades } from '../../shared/candles/aggregate-trades.js';
import { createSql, type Sql } from '../../shared/db/client.js';
import { loadMigrations, migrate } from '../../shared/db/migrate.js';
import { captureLogger } from '../support/capture-logger.js';
import { databaseUrlFor } from '../support/database-url.js';

const name = `mdp_test_${process.ppid}_m11_${randomBytes(4).toString('hex')}`;
let sql: Sql;

beforeAll(async () => {
  const admin = postgres(inject('databaseAdminUrl'), { max: 1, onnotice: () => undefined });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  sql = createSql({
    DATABASE_URL: databaseUrlFor(inject('databaseAdminUrl'), name),
    DB_POOL_MAX: 3,
    DB_CONNECT_TIMEOUT_SECONDS: 5,
  });
});
afterAll(async () => {
  await sql.end({ timeout: 5 });
  const admin = postgres(inject('databaseAdminUrl'), { max: 1, onnotice: () => undefined });
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.end();
});

const DAY_START = Date.parse('2026-11-20T00:00:00Z');
const INTERVALS_MS = [60_000, 3 * 60_000, 37 * 60_000, 3_600_000, 86_400_000];
const iso = (ms: number) => new Date(ms).toISOString();

describe('migration 0011 (minute rollups)', () => {
  it('backfills the rollups, and /candles answers what the trades gave before, byte for byte', async () => {
    const all = await loadMigrations();
    await migrate(
      sql,
      all.filter((m) => m.version < '0011'),
    );
    // Stored as the earlier persist stored them: two symbols, ties on a timestamp (publish
    // order decides), microseconds, 8-decimal prices, trades on minute edges.
    await sql`insert into symbols (symbol, name) values ('OLD1', 'old'), ('OLD2', 'old')`;
    await sql`
      insert into trades (trade_id, symbol, price, volume, ts, source)
      select s || '-' || i, s,
             round((50 + 7 * sin(i / 37.0) + (i % 11) * 0.00000013)::numeric, 8),
             round((1 + (i % 29) * 0.123456789)::numeric, 8),
             ${iso(DAY_START)}::timestamptz + (i / 3) * interval '7.000123 seconds',
             'earlier'
      from generate_series(0, 2999) as i, unnest(array['OLD1', 'OLD2']) as s
      order by i, s`;
    const before = new Map<string, unknown[]>();
    for (const symbol of ['OLD1', 'OLD2'])
      for (const intervalMs of INTERVALS_MS) {
        const rows = await sql<{ json: string }[]>`
          select candle_json(bucket, open, high, low, close, volume, vwap, trade_count) as json
          from (${aggregateTrades(sql, symbol, intervalMs, DAY_START, DAY_START + 86_400_000)}) c
          order by bucket`;
        before.set(
          `${symbol}/${intervalMs}`,
          rows.map((r) => JSON.parse(r.json) as unknown),
        );
      }

    expect(await migrate(sql, all)).toContain('0011');
    const [rolled] = await sql<{ minutes: number; trades: number; traded: number }[]>`
      select count(*)::int as minutes, sum(trade_count)::int as trades,
             (select count(distinct (symbol, date_trunc('minute', ts at time zone 'UTC')))::int
              from trades) as traded
      from minute_rollups`;
    expect(rolled).toEqual({ minutes: rolled?.traded, trades: 6000, traded: 234 });

    const app = createApp({ sql, logger: captureLogger().logger });
    for (const symbol of ['OLD1', 'OLD2'])
      for (const intervalMs of INTERVALS_MS) {
        const interval = `${intervalMs / 60_000}m`;
        const response = await app.request(
          `/candles?symbol=${symbol}&interval=${interval}&start=${iso(DAY_START)}&end=${iso(DAY_START + 86_400_000)}&limit=5000`,
        );
        expect(response.status).toBe(200);
        const text = await response.text();
        const expected = before.get(`${symbol}/${intervalMs}`) ?? [];
        expect(expected.length).toBeGreaterThan(0);
        // The served text of each candle is its JSON as the earlier release rendered it.
        expect(text).toContain(`"candles":[${expected.map((c) => JSON.stringify(c)).join(',')}]`);
      }
  });
});

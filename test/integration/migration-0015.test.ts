/**
 * Migration 0015 on a database an earlier release filled (trades and their minute rollups): the
 * hour rollups are backfilled from the minutes, rebuild_minute_rollups() keeps both levels, and
 * /candles answers what the trades give, byte for byte.
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

const name = `mdp_test_${process.ppid}_m15_${randomBytes(4).toString('hex')}`;
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
const INTERVALS_MS = [3_600_000, 2 * 3_600_000, 86_400_000];
const iso = (ms: number) => new Date(ms).toISOString();

/** Each hour's rollup computed straight from its trades, ordered by (ts, seq): independent SQL. */
async function hoursFromTrades() {
  return sql`
    select symbol, date_trunc('hour', ts at time zone 'UTC') as hour,
           (array_agg(price order by ts, seq))[1]::text as open,
           (array_agg(price order by ts desc, seq desc))[1]::text as close,
           max(price)::text as high, min(price)::text as low, sum(volume)::text as volume,
           sum(price * volume)::text as price_volume, count(*)::int as trade_count
    from trades group by 1, 2 order by 1, 2`;
}
async function hourRollups() {
  return sql`
    select symbol, hour at time zone 'UTC' as hour, open::text, close::text, high::text, low::text,
           volume::text, price_volume::text, trade_count
    from hour_rollups order by 1, 2`;
}

describe('migration 0015 (hour rollups)', () => {
  it('backfills the hours from the minutes; the rebuild keeps both; /candles answers as the trades do', async () => {
    const all = await loadMigrations();
    await migrate(
      sql,
      all.filter((m) => m.version < '0015'),
    );
    // Trades ties on a timestamp, microseconds, 8-decimal prices, and their minutes as migration
    // 0011's persist kept them.
    await sql`insert into symbols (symbol, name) values ('OLD1', 'old'), ('OLD2', 'old')`;
    await sql`
      insert into trades (trade_id, symbol, price, volume, ts, source)
      select s || '-' || i, s,
             round((50 + 7 * sin(i / 37.0) + (i % 11) * 0.00000013)::numeric, 8),
             round((1 + (i % 29) * 0.123456789)::numeric, 8),
             ${iso(DAY_START)}::timestamptz + (i / 3) * interval '47.000123 seconds',
             'earlier'
      from generate_series(0, 4999) as i, unnest(array['OLD1', 'OLD2']) as s
      order by i, s`;
    await sql`select rebuild_minute_rollups()`;

    expect(await migrate(sql, all)).toContain('0015');
    const expected = await hoursFromTrades();
    expect(expected).toHaveLength(2 * 22); // 5,000 trades 15.7 s apart: 21.8 hours
    expect(await hourRollups()).toEqual(expected);

    // Trades written around persist: the one rebuild operators call rebuilds the hours too.
    await sql`delete from trades where symbol = 'OLD1' and trade_id like '%7'`;
    expect((await hourRollups()).filter((r) => r.symbol === 'OLD1')).not.toEqual(
      (await hoursFromTrades()).filter((r) => r.symbol === 'OLD1'),
    );
    await sql`select rebuild_minute_rollups('OLD1')`;
    expect(await hourRollups()).toEqual(await hoursFromTrades());

    const app = createApp({ sql, logger: captureLogger().logger });
    for (const symbol of ['OLD1', 'OLD2'])
      for (const intervalMs of INTERVALS_MS) {
        const rows = await sql<{ json: string }[]>`
          select candle_json(bucket, open, high, low, close, volume, vwap, trade_count) as json
          from (${aggregateTrades(sql, symbol, intervalMs, DAY_START, DAY_START + 86_400_000)}) c
          order by bucket`;
        expect(rows.length).toBeGreaterThan(0);
        const response = await app.request(
          `/candles?symbol=${symbol}&interval=${intervalMs / 60_000}m&start=${iso(DAY_START)}&end=${iso(DAY_START + 86_400_000)}&limit=5000`,
        );
        expect(response.status).toBe(200);
        expect(await response.text()).toContain(`"candles":[${rows.map((r) => r.json).join(',')}]`);
      }
  });
});

/**
 * DATABASE_READ_URL against a real hot standby following the primary by streaming replication
 * (test/support/streaming-replica.ts): the read routes read the standby (a trade the standby has
 * not replayed is not in their answers), writes reach the primary (candles kept once computed,
 * admin routes), a quiet pair reads lag 0, a standby whose replay stops falls back to the primary
 * once it is further behind than allowed and returns when it catches up, and a standby that is
 * down falls back too; /health reports it all, and every change of route is logged.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../functions/api/app.js';
import { applyMigrations } from '../../infra/apply-migrations.js';
import {
  startEmbeddedDatabase,
  type EmbeddedDatabase,
} from '../../infra/local-stack/embedded-database.js';
import { createApiKey } from '../../shared/auth/api-key-store.js';
import { createSql, type Sql } from '../../shared/db/client.js';
import { createLogger } from '../../shared/logging/logger.js';
import { writeTrades } from '../../shared/trades/write-trades.js';
import { captureLogger } from '../support/capture-logger.js';
import { startStreamingReplica, type StreamingReplica } from '../support/streaming-replica.js';
import { waitFor } from '../support/wait-for.js';

const MAX_LAG_SECONDS = 2;

let dir: string;
let primaryDb: EmbeddedDatabase;
let standby: StreamingReplica;
let primary: Sql;
let replica: Sql;
let app: ReturnType<typeof createApp>;
let logs: ReturnType<typeof captureLogger>;
let adminKey: string;
let tradeCount = 0;
const cleanups: (() => Promise<unknown>)[] = [];

/** Stores one AAPL trade at `price` on the primary, as persist does. */
async function trade(price: string): Promise<void> {
  tradeCount++;
  await writeTrades(
    primary,
    {
      v: 1,
      source: 'test',
      trades: [
        {
          trade_id: `AAPL-replica-${tradeCount}`,
          symbol: 'AAPL',
          price,
          volume: '1',
          ts: new Date(Date.now() - 1000 + tradeCount).toISOString(),
        },
      ],
    },
    `replica-${tradeCount}`,
  );
}

async function latestPrice(): Promise<number> {
  const response = await app.request('/price/latest?symbol=AAPL');
  expect(response.status).toBe(200);
  return ((await response.json()) as { price: number }).price;
}

interface Health {
  read_replica: { state: string; reads_from: string; lag_seconds: number | null } | null;
}

async function health(): Promise<Health> {
  const response = await app.request('/health');
  expect(response.status).toBe(200);
  return (await response.json()) as Health;
}

/** Waits until the standby has replayed everything the primary has written. */
async function caughtUp(): Promise<void> {
  const [{ lsn } = { lsn: '' }] = await primary<{ lsn: string }[]>`
    select pg_current_wal_lsn()::text as lsn`;
  await waitFor('the standby to replay the primary', async () => {
    const [row] = await replica<{ done: boolean }[]>`
      select pg_last_wal_replay_lsn() >= ${lsn}::pg_lsn as done`;
    return row?.done === true ? true : undefined;
  });
}

const routeLogs = () =>
  logs
    .lines()
    .map((line) => line.message)
    .filter((msg): msg is string => typeof msg === 'string' && /read replica/.test(msg));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mdp-replica-'));
  // The server runs as the postgres OS user when the tests run as root: it must reach the dirs.
  await chmod(dir, 0o755);
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  primaryDb = await startEmbeddedDatabase({
    dataDir: join(dir, 'primary'),
    persistent: false,
    database: 'market_data',
  });
  cleanups.push(() => primaryDb.stop());
  await applyMigrations(
    primaryDb.url,
    { DB_CONNECT_TIMEOUT_SECONDS: 3 },
    createLogger({ level: 'silent' }),
  );
  primary = createSql({
    DATABASE_URL: primaryDb.url,
    DB_POOL_MAX: 3,
    DB_CONNECT_TIMEOUT_SECONDS: 3,
  });
  cleanups.push(() => primary.end({ timeout: 5 }));
  await primary`insert into symbols (symbol, name) values ('AAPL', 'Apple Inc.')`;
  adminKey = (await createApiKey(primary, { role: 'admin' })).key;
  await trade('100');
  standby = await startStreamingReplica({
    primaryAdminUrl: primaryDb.adminUrl,
    primaryPort: primaryDb.port,
    primaryDataDir: join(dir, 'primary'),
    standbyDataDir: join(dir, 'standby'),
    database: 'market_data',
    user: 'postgres',
    password: 'postgres',
  });
  cleanups.push(() => standby.stop());
  replica = createSql({ DATABASE_URL: standby.url, DB_POOL_MAX: 3, DB_CONNECT_TIMEOUT_SECONDS: 1 });
  cleanups.push(() => replica.end({ timeout: 1 }));
  logs = captureLogger();
  app = createApp({
    sql: primary,
    replicaSql: replica,
    logger: logs.logger,
    replicaMaxLagSeconds: MAX_LAG_SECONDS,
    replicaCheckIntervalMs: 200,
  });
  await caughtUp();
}, 120_000);

afterAll(async () => {
  // Whatever beforeAll got to start, newest first.
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('a streaming replica that keeps up', () => {
  it('is in use, at lag 0 even on a quiet primary whose last commit is seconds old', async () => {
    await sleep((MAX_LAG_SECONDS + 1) * 1000);
    const { read_replica } = await health();
    expect(read_replica).toEqual({ state: 'in_use', reads_from: 'replica', lag_seconds: 0 });
  });

  it('serves the read routes: a trade it has not replayed yet is not in their answers', async () => {
    await replica`select pg_wal_replay_pause()`;
    try {
      await trade('101');
      expect(await latestPrice()).toBe(100);
      const trades = await app.request('/trades?symbol=AAPL&start=2020-01-01T00:00:00Z');
      expect(((await trades.json()) as { count: number }).count).toBe(1);
      // The primary has it: a read there would have answered 101.
      const [row] = await primary<{ price: string }[]>`
        select price::text from latest_prices where symbol = 'AAPL'`;
      expect(Number(row?.price)).toBe(101);
    } finally {
      await replica`select pg_wal_replay_resume()`;
    }
    await caughtUp();
    expect(await latestPrice()).toBe(101);
  });

  it('sends writes to the primary: closed candles kept by /candles, admin changes', async () => {
    // Closed 1m buckets are stored on the way; on the read-only standby that insert would fail.
    const candles = await app.request(
      '/candles?symbol=AAPL&interval=1m&start=2020-01-01T00:00:00Z',
    );
    expect(candles.status).toBe(200);
    const created = await app.request('/symbols', {
      method: 'POST',
      headers: { 'x-api-key': adminKey, 'content-type': 'application/json' },
      body: JSON.stringify({ symbol: 'MSFT', name: 'Microsoft Corporation' }),
    });
    expect(created.status).toBe(201);
  });
});

describe('falling back to the primary', () => {
  it('when the replica stops replaying for longer than the allowed lag, and back when it catches up', async () => {
    await replica`select pg_wal_replay_pause()`;
    try {
      await trade('102');
      expect((await health()).read_replica?.state).toBe('in_use');
      await sleep((MAX_LAG_SECONDS + 0.5) * 1000);
      const lagging = (await health()).read_replica;
      expect(lagging).toMatchObject({ state: 'lagging', reads_from: 'primary' });
      expect(lagging?.lag_seconds).toBeGreaterThan(MAX_LAG_SECONDS);
      // The primary answers: the trade the replica has not replayed is there.
      expect(await latestPrice()).toBe(102);
      expect(routeLogs()).toContain('reads fall back to the primary: the read replica is lagging');
    } finally {
      await replica`select pg_wal_replay_resume()`;
    }
    await caughtUp();
    expect((await health()).read_replica).toEqual({
      state: 'in_use',
      reads_from: 'replica',
      lag_seconds: 0,
    });
    expect(routeLogs().at(-1)).toBe('reads go to the read replica');
  });

  it('when the replica is down: /health says so and stays 200, reads go to the primary', async () => {
    await standby.stop();
    const { read_replica } = await health();
    expect(read_replica).toEqual({
      state: 'unreachable',
      reads_from: 'primary',
      lag_seconds: null,
    });
    expect(await latestPrice()).toBe(102);
    const symbols = await app.request('/symbols');
    expect(symbols.status).toBe(200);
    expect(routeLogs().at(-1)).toBe(
      'reads fall back to the primary: the read replica is unreachable',
    );
  });
});

describe('without DATABASE_READ_URL', () => {
  it('reads the primary and /health reports no replica', async () => {
    const plain = createApp({ sql: primary, logger: createLogger({ level: 'silent' }) });
    const body = (await (await plain.request('/health')).json()) as Health;
    expect(body.read_replica).toBeNull();
    // A pool that is not a standby at all is refused as one.
    const notStandby = createApp({
      sql: primary,
      replicaSql: primary,
      logger: createLogger({ level: 'silent' }),
    });
    const checked = (await (await notStandby.request('/health')).json()) as Health;
    expect(checked.read_replica?.state).toBe('not_a_standby');
  });
});

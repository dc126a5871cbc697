import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { startEmbeddedDatabase } from '../../../infra/local-stack/embedded-database.js';
import { createSql, type Sql } from '../../../shared/db/client.js';
import { loadMigrations, migrate } from '../../../shared/db/migrate.js';
import { createLogger } from '../../../shared/logging/logger.js';
import { maintainTradePartitions } from '../../../shared/trades/partition-maintenance.js';
import { databaseUrlFor } from '../../support/database-url.js';

export interface BenchDatabase {
  /** A fresh, migrated database of this run's own. */
  url: string;
  /** A pool for the bench itself (seeding, checks, baselines), JIT off like the api's. */
  sql: Sql;
  /** 'embedded' or 'DATABASE_URL', and the server's version, for the report. */
  server: string;
  version: string;
  /** Drops the database and stops a server this call started. Idempotent. */
  close(): Promise<void>;
}

/**
 * A database of the run's own: on DATABASE_URL's server when given (the user must be allowed to
 * CREATE DATABASE), otherwise on an embedded PostgreSQL in a temporary directory. The embedded
 * server keeps fsync on, as Cloud SQL does: throw-away test servers turn it off, which would flatter
 * the one-commit-per-trade baseline.
 */
export async function openBenchDatabase(databaseUrl: string | undefined): Promise<BenchDatabase> {
  let adminUrl: string;
  let stopServer = async () => {};
  const given = databaseUrl !== undefined && databaseUrl !== '';
  if (given) {
    adminUrl = databaseUrlFor(databaseUrl, 'postgres');
  } else {
    const dataDir = await mkdtemp(join(tmpdir(), 'mdp-bench-pg-'));
    try {
      const embedded = await startEmbeddedDatabase({ dataDir, persistent: true });
      adminUrl = embedded.adminUrl;
      stopServer = async () => {
        await embedded.stop();
        await rm(dataDir, { recursive: true, force: true });
      };
    } catch (error) {
      await rm(dataDir, { recursive: true, force: true });
      throw error;
    }
  }
  const name = `mdp_bench_${process.pid}_${randomBytes(3).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  let sql: Sql | undefined;
  const close = once(async () => {
    await sql?.end({ timeout: 5 });
    await admin.unsafe(`drop database if exists ${name} with (force)`).catch(() => undefined);
    await admin.end({ timeout: 5 });
    await stopServer();
  });
  try {
    await admin.unsafe(`create database ${name}`);
    const url = databaseUrlFor(adminUrl, name);
    sql = createSql(
      { DATABASE_URL: url, DB_POOL_MAX: 5, DB_CONNECT_TIMEOUT_SECONDS: 5 },
      { connection: { jit: 'off' } },
    );
    await migrate(sql, await loadMigrations());
    await maintainTradePartitions(sql, { logger: createLogger({ level: 'warn' }) });
    const [row] = await sql<
      { version: string }[]
    >`select current_setting('server_version') as version`;
    return {
      url,
      sql,
      server: given ? 'DATABASE_URL' : 'embedded',
      version: row?.version ?? 'unknown',
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}

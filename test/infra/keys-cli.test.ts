/**
 * `npm run keys` as operators run it: a real process against a real database. `create` prints the
 * key once, on its last line; the database keeps only its hash; `revoke` stops it at once. Without
 * DATABASE_URL it uses the local stack's embedded database, whether `npm start` runs or not.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations } from '../../infra/apply-migrations.js';
import { startEmbeddedDatabase } from '../../infra/local-stack/embedded-database.js';
import { findApiKey } from '../../shared/auth/api-key-store.js';
import { createSql } from '../../shared/db/client.js';
import { createLogger } from '../../shared/logging/logger.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const root = join(import.meta.dirname, '..', '..');
const KEY = /^mdp_[A-Za-z0-9_-]{43}$/;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  lastLine: string;
}

/** Runs the CLI as `npm run keys` does, with only the given variables besides PATH and HOME. */
function keys(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'infra/keys.cli.ts', ...args],
      {
        cwd: root,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          LOG_LEVEL: 'warn',
          ...env,
        },
        timeout: 90_000,
      },
      (error, stdout, stderr) => {
        const lines = stdout.trimEnd().split('\n');
        resolve({
          code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1,
          stdout,
          stderr,
          lastLine: lines.at(-1) ?? '',
        });
      },
    );
  });
}

describe('npm run keys with DATABASE_URL', () => {
  let db: TestDatabase;
  let env: Record<string, string>;
  beforeAll(async () => {
    db = await createTestDatabase();
    env = { DATABASE_URL: db.url };
  });
  afterAll(() => db.drop());

  it('create prints the key once, on the last line; the database holds only its hash', async () => {
    const run = await keys(['create', '--role', 'admin', '--name', 'ops team'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.lastLine).toMatch(KEY);
    expect(run.stdout.split(run.lastLine)).toHaveLength(2); // printed once
    expect(await findApiKey(db.sql, run.lastLine)).toMatchObject({
      name: 'ops team',
      role: 'admin',
    });
    const rows = await db.sql`select * from api_keys`;
    expect(JSON.stringify(rows)).not.toContain(run.lastLine.slice(12));
  });

  it('create names a key after its role and prefix when no --name is given', async () => {
    const run = await keys(['create', '--role', 'read'], env);
    expect(run.code, run.stderr).toBe(0);
    const found = await findApiKey(db.sql, run.lastLine);
    expect(found).toMatchObject({ role: 'read', name: `read-${run.lastLine.slice(4, 12)}` });
  });

  it('create --rate N gives the key its own limit per minute, which the api reads', async () => {
    const run = await keys(
      ['create', '--role', 'read', '--name', 'batch job', '--rate', '5000'],
      env,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('5000/min');
    expect(await findApiKey(db.sql, run.lastLine)).toMatchObject({
      name: 'batch job',
      rate_limit_per_minute: 5000,
    });
    const list = await keys(['list'], env);
    expect(list.stdout).toMatch(/^\d+\s+batch job\s+read\s+5000\/min\s+mdp_/m);
  });

  it('list shows every key with its id, name, role, rate, prefix and state, never a key', async () => {
    const created = await keys(['create', '--role', 'read', '--name', 'dashboard'], env);
    const run = await keys(['list'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^id\s+name\s+role\s+rate\s+prefix\s+created\s+state$/m);
    expect(run.stdout).toMatch(/^\d+\s+dashboard\s+read\s+role\s+mdp_\S{8}…\s+\S+Z\s+active$/m);
    expect(run.stdout).toContain('ops team');
    expect(run.stdout).not.toContain(created.lastLine);
  });

  it('revoke by name or id stops the key at once; list then shows it revoked', async () => {
    const byName = (await keys(['create', '--role', 'read', '--name', 'temp'], env)).lastLine;
    const revoked = await keys(['revoke', 'temp'], env);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toMatch(/Revoked key \d+ "temp"/);
    expect(await findApiKey(db.sql, byName)).toBeUndefined();

    const byId = (await keys(['create', '--role', 'admin', '--name', 'temp'], env)).lastLine;
    const [row] = await db.sql<{ id: string }[]>`
      select id::text from api_keys where name = 'temp' and revoked_at is null`;
    expect((await keys(['revoke', row?.id ?? '?'], env)).code).toBe(0);
    expect(await findApiKey(db.sql, byId)).toBeUndefined();
    expect((await keys(['list'], env)).stdout).toMatch(
      /temp\s+admin\s+role\s+\S+\s+\S+\s+revoked \S+Z/,
    );
  });

  it.each([
    [['revoke', 'nobody'], /No key in force has the id or name "nobody"/],
    [['create', '--role', 'admin', '--name', 'ops team'], /already named "ops team"/],
  ])('%j fails with exit code 1 and says why', async (args, message) => {
    const run = await keys(args, env);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/\bat .*\.ts:\d+/); // no stack trace for an operator's mistake
  });

  it.each([
    [[]],
    [['create']],
    [['create', '--role', 'root']],
    [['create', '--role', 'read', '--name', '123']],
    [['create', '--role', 'read', '--bogus']],
    [['create', '--role', 'read', '--rate', '0']],
    [['create', '--role', 'read', '--rate', '1.5']],
    [['create', '--role', 'read', '--rate', '99999999']],
    [['list', '--rate', '5']],
    [['revoke']],
    [['list', 'extra']],
    [['rotate']],
  ])('%j is a usage error: exit code 2 and the usage on stderr', async (args) => {
    const run = await keys(args, { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Usage:');
    expect(run.stdout).toBe('');
  });
});

describe('npm run keys without DATABASE_URL: the local stack embedded database', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mdp-keys-'));
    // As root the server runs as the postgres OS user, which must traverse this directory.
    await chmod(dataDir, 0o755);
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('starts and migrates it when the stack is not running, and uses the running server when it is', async () => {
    const env = { LOCAL_DATA_DIR: dataDir };
    const first = await keys(['create', '--role', 'admin', '--name', 'local'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.lastLine).toMatch(KEY);

    // Now as while `npm start` runs: the server is up, and a second one could not start on its data.
    const server = await startEmbeddedDatabase({ dataDir: join(dataDir, 'postgres') });
    try {
      await applyMigrations(
        server.url,
        { DB_CONNECT_TIMEOUT_SECONDS: 3 },
        createLogger({ level: 'silent' }),
      );
      const second = await keys(['create', '--role', 'read', '--name', 'while-running'], env);
      expect(second.code, second.stderr).toBe(0);
      const sql = createSql({
        DATABASE_URL: server.url,
        DB_POOL_MAX: 1,
        DB_CONNECT_TIMEOUT_SECONDS: 3,
      });
      try {
        expect(await findApiKey(sql, first.lastLine)).toMatchObject({ name: 'local' });
        expect(await findApiKey(sql, second.lastLine)).toMatchObject({ name: 'while-running' });
      } finally {
        await sql.end();
      }
    } finally {
      await server.stop();
    }
  }, 180_000);
});

import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Sql } from './client.js';

/** Migrations live beside this file: `NNNN_description.sql`, applied in order, never edited once applied. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/** Arbitrary constant: serializes concurrent migrators (two instances starting at once). */
const MIGRATION_LOCK_ID = 4_242_001;

export interface Migration {
  version: string;
  name: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.sql')).sort();
  return Promise.all(
    files.map(async (file) => {
      const match = /^(\d{4})_([\w-]+)\.sql$/.exec(file);
      if (!match?.[1] || !match[2]) {
        throw new MigrationError(`Migration file ${file} is not named NNNN_description.sql`);
      }
      const sql = await readFile(`${dir}/${file}`, 'utf8');
      const checksum = createHash('sha256').update(sql).digest('hex');
      return { version: match[1], name: match[2], sql, checksum };
    }),
  );
}

/**
 * Applies every pending migration in one transaction under an advisory lock, so a failure
 * leaves the schema as it was and two concurrent runs apply each migration once.
 * An applied migration whose file has changed since is an error, not a silent skip.
 *
 * @returns the versions applied by this run.
 */
export async function migrate(sql: Sql, migrations: Migration[]): Promise<string[]> {
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK_ID})`;
    await tx`
      create table if not exists schema_migrations (
        version    text primary key,
        name       text not null,
        checksum   text not null,
        applied_at timestamptz not null default now()
      )`;
    const applied = new Map(
      (
        await tx<
          { version: string; checksum: string }[]
        >`select version, checksum from schema_migrations`
      ).map((row) => [row.version, row.checksum]),
    );
    const done: string[] = [];
    for (const migration of migrations) {
      const checksum = applied.get(migration.version);
      if (checksum !== undefined) {
        if (checksum !== migration.checksum) {
          throw new MigrationError(
            `Migration ${migration.version}_${migration.name} was changed after it was applied; add a new migration instead`,
          );
        }
        continue;
      }
      await tx.unsafe(migration.sql);
      await tx`
        insert into schema_migrations (version, name, checksum)
        values (${migration.version}, ${migration.name}, ${migration.checksum})`;
      done.push(migration.version);
    }
    return done;
  });
}

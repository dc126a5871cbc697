import type { Sql } from './client.js';

/**
 * Where a read path reads and where it writes when it must (candles kept once computed): a
 * replica and the primary, or one pool for both.
 */
export interface ReadWriteSql {
  read: Sql;
  write: Sql;
}

/** A pool, or a replica and the primary. */
export type Db = Sql | ReadWriteSql;

const isSplit = (db: Db): db is ReadWriteSql => typeof db !== 'function';

/** The pool `db` reads from. */
export const readerOf = (db: Db): Sql => (isSplit(db) ? db.read : db);

/** The pool `db` writes to: always the primary. */
export const writerOf = (db: Db): Sql => (isSplit(db) ? db.write : db);

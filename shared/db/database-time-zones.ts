import type { Sql } from './client.js';

/** Per pool: the zone names PostgreSQL knows, lower case (it matches them case-insensitively). */
const known = new WeakMap<Sql, Promise<ReadonlySet<string>>>();

/**
 * Whether PostgreSQL's time-zone data has a zone of this name. Node's ICU and PostgreSQL each ship
 * their own: ICU also takes Java's three-letter IDs (`IST` is India there, while PostgreSQL reads
 * `IST` as an abbreviation for Israel), PostgreSQL has `Factory`, and the two may be a release of
 * tzdata apart. A name only one of them knows is refused, so an answer never depends on which one
 * computed it. The list is read once per pool (pg_timezone_names reads every zone file: ~20–70 ms).
 */
export async function databaseKnowsTimeZone(sql: Sql, zone: string): Promise<boolean> {
  let names = known.get(sql);
  if (names === undefined) {
    names = sql<{ name: string }[]>`select name from pg_timezone_names`.then(
      (rows) => new Set(rows.map((row) => row.name.toLowerCase())),
    );
    known.set(sql, names);
    // A failed read (the database down) is not remembered: the next request reads again.
    names.catch(() => known.delete(sql));
  }
  return (await names).has(zone.toLowerCase());
}

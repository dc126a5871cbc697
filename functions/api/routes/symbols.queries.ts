import type { Sql } from '../../../shared/db/client.js';

/** A symbol as the routes return it. */
export interface SymbolRow {
  symbol: string;
  name: string;
  active: boolean;
  created_at: string;
}

type DbSymbolRow = Omit<SymbolRow, 'created_at'> & { created_at: Date };

const toRow = (row: DbSymbolRow): SymbolRow => ({
  ...row,
  created_at: row.created_at.toISOString(),
});

/** Whether the symbol is known at all (active or not): an unknown one is a 404, a quiet one is not. */
export async function symbolExists(sql: Sql, symbol: string): Promise<boolean> {
  const [row] = await sql<
    { exists: boolean }[]
  >`select exists (select 1 from symbols where symbol = ${symbol})`;
  return row?.exists === true;
}

/** Active symbols, alphabetically: the ones ingest trades. */
export async function listActiveSymbols(sql: Sql): Promise<SymbolRow[]> {
  const rows = await sql<DbSymbolRow[]>`
    select symbol, name, active, created_at from symbols where active order by symbol`;
  return rows.map(toRow);
}

/**
 * Adds a symbol; ingest trades it from its next run when active.
 *
 * @returns the new row, or undefined when the symbol exists already (active or not).
 */
export async function createSymbol(
  sql: Sql,
  { symbol, name, active = true }: { symbol: string; name: string; active?: boolean | undefined },
): Promise<SymbolRow | undefined> {
  const [row] = await sql<DbSymbolRow[]>`
    insert into symbols (symbol, name, active) values (${symbol}, ${name}, ${active})
    on conflict (symbol) do nothing
    returning symbol, name, active, created_at`;
  return row === undefined ? undefined : toRow(row);
}

/**
 * Renames and/or (de)activates a symbol; its trades stay whatever changes.
 *
 * @returns the updated row, or undefined for an unknown symbol.
 */
export async function updateSymbol(
  sql: Sql,
  symbol: string,
  changes: { name?: string | undefined; active?: boolean | undefined },
): Promise<SymbolRow | undefined> {
  const [row] = await sql<DbSymbolRow[]>`
    update symbols set
      name = coalesce(${changes.name ?? null}::text, name),
      active = coalesce(${changes.active ?? null}::boolean, active),
      updated_at = now()
    where symbol = ${symbol}
    returning symbol, name, active, created_at`;
  return row === undefined ? undefined : toRow(row);
}

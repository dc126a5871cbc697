import type { SymbolDefinition } from '../config/default-symbols.js';
import type { Sql } from '../db/client.js';

/** A row of `symbols`. */
export interface SymbolRecord {
  symbol: string;
  name: string;
  active: boolean;
  createdAt: Date;
}

const COLUMNS = 'symbol, name, active, created_at as "createdAt"';

/** Whether the symbol is known at all (active or not): an unknown one is a 404, a quiet one is not. */
export async function symbolExists(sql: Sql, symbol: string): Promise<boolean> {
  const [row] = await sql<
    { exists: boolean }[]
  >`select exists (select 1 from symbols where symbol = ${symbol})`;
  return row?.exists === true;
}

/** Those of `symbols` the platform does not know, in the order given. */
export async function findUnknownSymbols(sql: Sql, symbols: string[]): Promise<string[]> {
  const known = await sql<{ symbol: string }[]>`
    select symbol from symbols where symbol = any(${symbols}::text[])`;
  const found = new Set(known.map((row) => row.symbol));
  return symbols.filter((symbol) => !found.has(symbol));
}

/** Active symbols, alphabetically: the ones ingest trades. */
export function listActiveSymbols(sql: Sql): Promise<SymbolRecord[]> {
  return sql<SymbolRecord[]>`
    select ${sql.unsafe(COLUMNS)} from symbols where active order by symbol`;
}

/** Inserts the definitions that do not exist yet; never reactivates one an operator turned off. */
export async function ensureSymbols(sql: Sql, definitions: SymbolDefinition[]): Promise<void> {
  if (definitions.length === 0) return;
  await sql`
    insert into symbols (symbol, name)
    select * from unnest(${definitions.map((s) => s.symbol)}::text[], ${definitions.map((s) => s.name)}::text[])
    on conflict (symbol) do nothing`;
}

/**
 * Adds a symbol; ingest trades it from its next run when active.
 *
 * @returns the new row, or undefined when the symbol exists already (active or not).
 */
export async function createSymbol(
  sql: Sql,
  { symbol, name, active = true }: { symbol: string; name: string; active?: boolean | undefined },
): Promise<SymbolRecord | undefined> {
  const [row] = await sql<SymbolRecord[]>`
    insert into symbols (symbol, name, active) values (${symbol}, ${name}, ${active})
    on conflict (symbol) do nothing
    returning ${sql.unsafe(COLUMNS)}`;
  return row;
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
): Promise<SymbolRecord | undefined> {
  const [row] = await sql<SymbolRecord[]>`
    update symbols set
      name = coalesce(${changes.name ?? null}::text, name),
      active = coalesce(${changes.active ?? null}::boolean, active),
      updated_at = now()
    where symbol = ${symbol}
    returning ${sql.unsafe(COLUMNS)}`;
  return row;
}

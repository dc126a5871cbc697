import type { SymbolDefinition } from '../config/default-symbols.js';
import type { Sql } from '../db/client.js';
import type { SourceName } from '../sources/source-names.js';

/** A row of `symbols`. */
export interface SymbolRecord {
  symbol: string;
  name: string;
  active: boolean;
  createdAt: Date;
  /** Where its trades come from. */
  source: SourceName;
  /** The provider's name for the instrument; null for the synthetic walk. */
  sourceSymbol: string | null;
  /** Why ingest stopped fetching it (a refusal that will not heal), or null while it fetches. */
  sourceStoppedReason: string | null;
  sourceStoppedAt: Date | null;
}

const COLUMNS =
  'symbol, name, active, created_at as "createdAt", source, source_symbol as "sourceSymbol", ' +
  'source_stopped_reason as "sourceStoppedReason", source_stopped_at as "sourceStoppedAt"';

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

/** An active symbol as ingest sees it: where to fetch its trades, and whether it was stopped. */
export type IngestTarget = Pick<
  SymbolRecord,
  'symbol' | 'source' | 'sourceSymbol' | 'sourceStoppedReason'
>;

/** Active symbols (all, or those named), alphabetically, with their sources. */
export function listIngestTargets(sql: Sql, only?: string[]): Promise<IngestTarget[]> {
  return sql<IngestTarget[]>`
    select symbol, source, source_symbol as "sourceSymbol",
           source_stopped_reason as "sourceStoppedReason"
    from symbols
    where active ${only === undefined ? sql`` : sql`and symbol = any(${only}::text[])`}
    order by symbol`;
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
  {
    symbol,
    name,
    active = true,
    source = 'synthetic',
    sourceSymbol = null,
  }: {
    symbol: string;
    name: string;
    active?: boolean | undefined;
    source?: SourceName | undefined;
    /** Required by the database for any source but synthetic. */
    sourceSymbol?: string | null | undefined;
  },
): Promise<SymbolRecord | undefined> {
  const [row] = await sql<SymbolRecord[]>`
    insert into symbols (symbol, name, active, source, source_symbol)
    values (${symbol}, ${name}, ${active}, ${source}, ${sourceSymbol})
    on conflict (symbol) do nothing
    returning ${sql.unsafe(COLUMNS)}`;
  return row;
}

/**
 * Renames, (de)activates and/or changes the source of a symbol; its trades stay whatever changes.
 * A new source or `active: true` clears a stop ingest recorded: the operator has acted on it.
 *
 * @returns the updated row, or undefined for an unknown symbol.
 */
export async function updateSymbol(
  sql: Sql,
  symbol: string,
  changes: {
    name?: string | undefined;
    active?: boolean | undefined;
    source?: SourceName | undefined;
    /** undefined keeps it; null removes it (the synthetic walk has none). */
    sourceSymbol?: string | null | undefined;
  },
): Promise<SymbolRecord | undefined> {
  const newSymbol = changes.sourceSymbol !== undefined;
  const restart = changes.source !== undefined || newSymbol || changes.active === true;
  const [row] = await sql<SymbolRecord[]>`
    update symbols set
      name = coalesce(${changes.name ?? null}::text, name),
      active = coalesce(${changes.active ?? null}::boolean, active),
      source = coalesce(${changes.source ?? null}::text, source),
      source_symbol = case when ${newSymbol} then ${changes.sourceSymbol ?? null}::text else source_symbol end,
      source_stopped_reason = case when ${restart} then null else source_stopped_reason end,
      source_stopped_at = case when ${restart} then null else source_stopped_at end,
      updated_at = now()
    where symbol = ${symbol}
    returning ${sql.unsafe(COLUMNS)}`;
  return row;
}

/**
 * Records that ingest stopped fetching `symbol` from `source`, and why; only while the symbol still
 * has that source (an operator may have changed it meanwhile).
 */
export async function stopSymbolSource(
  sql: Sql,
  symbol: string,
  source: SourceName,
  reason: string,
): Promise<void> {
  await sql`
    update symbols set source_stopped_reason = ${reason.slice(0, 500)}, source_stopped_at = now()
    where symbol = ${symbol} and source = ${source} and source_stopped_reason is null`;
}

import type { Sql } from '../../shared/db/client.js';
import type { SymbolDefinition } from '../../shared/config/default-symbols.js';

export interface SymbolState {
  symbol: string;
  lastPrice: string | null;
  lastTs: Date | null;
}

/** Inserts the configured default symbols that do not exist yet; never reactivates one an operator turned off. */
export async function ensureSymbols(sql: Sql, symbols: SymbolDefinition[]): Promise<void> {
  if (symbols.length === 0) return;
  await sql`
    insert into symbols (symbol, name)
    select * from unnest(${symbols.map((s) => s.symbol)}::text[], ${symbols.map((s) => s.name)}::text[])
    on conflict (symbol) do nothing`;
}

/** Active symbols (all, or those named) with their newest stored trade. */
export async function loadSymbolStates(sql: Sql, only?: string[]): Promise<SymbolState[]> {
  return sql<SymbolState[]>`
    select s.symbol, lp.price::text as "lastPrice", lp.ts as "lastTs"
    from symbols s
    left join latest_prices lp on lp.symbol = s.symbol
    where s.active ${only === undefined ? sql`` : sql`and s.symbol = any(${only}::text[])`}
    order by s.symbol`;
}

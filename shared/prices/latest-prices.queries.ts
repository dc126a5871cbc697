import type { Sql } from '../db/client.js';

/** A symbol's newest stored trade, from `latest_prices`. */
export interface LatestPrice {
  symbol: string;
  price: string;
  volume: string;
  ts: Date;
  tradeId: string;
}

export interface LatestPriceLookup {
  /** In the order asked. */
  prices: LatestPrice[];
  /** Symbols the platform does not know. */
  unknown: string[];
  /** Known symbols with no trade stored yet. */
  withoutTrades: string[];
}

/**
 * The newest stored trade of each symbol, from the one-row-per-symbol table: one indexed read. As
 * of `knownAt`: the newest among the trades stored by then, read from the trades themselves.
 */
export async function fetchLatestPrices(
  sql: Sql,
  symbols: string[],
  knownAt?: Date,
): Promise<LatestPriceLookup> {
  const newest =
    knownAt === undefined
      ? sql`left join latest_prices lp on lp.symbol = requested.symbol`
      : sql`left join lateral (
          select price, volume, ts, trade_id from trades
          where trades.symbol = requested.symbol and trades.ingested_at <= ${knownAt}
          order by ts desc, seq desc
          limit 1
        ) lp on true`;
  const rows = await sql<
    {
      symbol: string;
      known: boolean;
      price: string | null;
      volume: string | null;
      ts: Date | null;
      trade_id: string | null;
    }[]
  >`
    select requested.symbol, s.symbol is not null as known,
           trim_scale(lp.price)::text as price, trim_scale(lp.volume)::text as volume, lp.ts, lp.trade_id
    from unnest(${symbols}::text[]) with ordinality as requested(symbol, ord)
    left join symbols s on s.symbol = requested.symbol
    ${newest}
    order by requested.ord`;
  const lookup: LatestPriceLookup = { prices: [], unknown: [], withoutTrades: [] };
  for (const row of rows) {
    if (!row.known) lookup.unknown.push(row.symbol);
    else if (row.price === null || row.volume === null || row.ts === null || row.trade_id === null)
      lookup.withoutTrades.push(row.symbol);
    else
      lookup.prices.push({
        symbol: row.symbol,
        price: row.price,
        volume: row.volume,
        ts: row.ts,
        tradeId: row.trade_id,
      });
  }
  return lookup;
}

/** A symbol and its newest stored trade, where a random walk continues from. */
export interface SymbolState {
  symbol: string;
  lastPrice: string | null;
  lastTs: Date | null;
}

/** The named symbols with their newest stored trade, alphabetically. */
export function fetchSymbolStates(sql: Sql, symbols: string[]): Promise<SymbolState[]> {
  return sql<SymbolState[]>`
    select s.symbol, lp.price::text as "lastPrice", lp.ts as "lastTs"
    from symbols s
    left join latest_prices lp on lp.symbol = s.symbol
    where s.symbol = any(${symbols}::text[])
    order by s.symbol`;
}

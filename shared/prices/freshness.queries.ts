import type { Sql } from '../db/client.js';

export interface SymbolFreshness {
  symbol: string;
  lastTradeAt: Date | null;
  stalenessSeconds: number | null;
}

/**
 * How old each active symbol's newest stored trade is, by the database's clock: function instances
 * are stateless and their clocks are not the reference.
 */
export async function fetchFreshness(
  sql: Sql,
): Promise<{ checkedAt: Date; symbols: SymbolFreshness[] }> {
  const rows = await sql<
    {
      symbol: string;
      last_trade_at: Date | null;
      staleness_seconds: number | null;
      checked_at: Date;
    }[]
  >`
    select s.symbol, lp.ts as last_trade_at,
           extract(epoch from now() - lp.ts)::float8 as staleness_seconds, now() as checked_at
    from symbols s
    left join latest_prices lp on lp.symbol = s.symbol
    where s.active
    order by s.symbol`;
  return {
    checkedAt: rows[0]?.checked_at ?? new Date(),
    symbols: rows.map((row) => ({
      symbol: row.symbol,
      lastTradeAt: row.last_trade_at,
      stalenessSeconds:
        row.staleness_seconds === null
          ? null
          : Math.max(0, Math.round(row.staleness_seconds * 1000) / 1000),
    })),
  };
}

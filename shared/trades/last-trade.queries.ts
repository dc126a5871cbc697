import type { Sql } from '../db/client.js';

/** A symbol's newest stored trade among those whose id starts with a provider's prefix. */
export interface LastTrade {
  tradeId: string;
  ts: Date;
}

/**
 * The newest stored trade of `symbol` whose id starts with `prefix`: where a provider that numbers
 * its trades continues. Read from the (symbol, ts, seq) index backwards, so the newest comes first
 * even when other sources' trades sit among them.
 */
export async function lastTradeWithIdPrefix(
  sql: Sql,
  symbol: string,
  prefix: string,
): Promise<LastTrade | undefined> {
  const pattern = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const [row] = await sql<LastTrade[]>`
    select trade_id as "tradeId", ts from trades
    where symbol = ${symbol} and trade_id like ${pattern}
    order by ts desc, seq desc limit 1`;
  return row;
}

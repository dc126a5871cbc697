import { createPersistHandler } from '../../../functions/persist/persist.handler.js';
import type { Sql } from '../../../shared/db/client.js';
import { createLogger } from '../../../shared/logging/logger.js';
import { pubsubEvent } from '../../support/pubsub-event.js';
import type { TradeMessageInput } from '../../../shared/schemas/trade-message.js';

type TradeInput = TradeMessageInput['trades'][number];

/**
 * `count` trades of `symbol`, ten per millisecond from `fromMs` on, prices wandering around 100:
 * ids are unique per (`prefix`, symbol, index), so the same arguments give the same trades.
 */
export function makeTrades(
  prefix: string,
  symbol: string,
  fromMs: number,
  count: number,
): TradeInput[] {
  return Array.from({ length: count }, (_, i) => ({
    trade_id: `${prefix}-${symbol}-${i}`,
    symbol,
    price: (100 + 5 * Math.sin(i / 500) + (i % 13) / 100).toFixed(2),
    volume: String(1 + (i % 97)),
    ts: new Date(fromMs + Math.floor(i / 10)).toISOString(),
  }));
}

export function tradeMessage(trades: TradeInput[]): TradeMessageInput {
  return { v: 1, source: 'bench', trades };
}

/** Splits `items` into arrays of `size`. */
export function chunk<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** Creates the symbols unless they exist: persist stores trades of known symbols only. */
export async function createSymbols(sql: Sql, symbols: string[]): Promise<void> {
  await sql`
    insert into symbols (symbol, name)
    select s, 'Bench ' || s from unnest(${symbols}::text[]) as s
    on conflict (symbol) do nothing`;
}

/** Stores `trades` the way the pipeline does (the persist handler), creating their symbols first. */
export async function storeTrades(sql: Sql, trades: TradeInput[]): Promise<void> {
  await createSymbols(sql, [...new Set(trades.map((trade) => trade.symbol))]);
  const persist = createPersistHandler({ sql, logger: createLogger({ level: 'warn' }) });
  await persist(pubsubEvent(tradeMessage(trades)));
}

import type { Sql } from '../db/client.js';

export interface IngestionTotals {
  /** Trades stored, all symbols. */
  tradeCount: number;
  /** When the last batch of trades was stored; null before the first. */
  lastIngestion: Date | null;
}

/**
 * How many trades are stored and when the last were, from the per-symbol counts persist keeps
 * (migration 0008): one row per symbol read, whatever the size of `trades`.
 */
export async function fetchIngestionTotals(sql: Sql): Promise<IngestionTotals> {
  const [row] = await sql<{ trade_count: string; last_ingestion: Date | null }[]>`
    select coalesce(sum(trade_count), 0)::text as trade_count, max(updated_at) as last_ingestion
    from trade_counts`;
  return {
    tradeCount: Number(row?.trade_count ?? 0),
    lastIngestion: row?.last_ingestion ?? null,
  };
}

import type { IngestConfig } from '../../shared/config/function-config.js';
import type { Sql } from '../../shared/db/client.js';
import { symbolNotFound } from '../../shared/http/app-error.js';
import { generateTrades, type GeneratedTrade } from '../../shared/market/random-walk.js';
import type { TradePublisher } from '../../shared/messaging/trade-publisher.js';
import { fetchActiveSymbolStates } from '../../shared/prices/latest-prices.queries.js';
import { ensureSymbols } from '../../shared/symbols/symbols.queries.js';

/** What a run reads of the ingest function's configuration. */
export type IngestRunSettings = Pick<
  IngestConfig,
  | 'DEFAULT_SYMBOLS'
  | 'INGESTION_INTERVAL_SECONDS'
  | 'INGEST_MAX_TRADES_PER_SYMBOL'
  | 'INGEST_MAX_BACKFILL_SECONDS'
  | 'INGEST_SEED'
  | 'PUBLISH_BATCH_SIZE'
>;

export interface IngestDeps {
  sql: Sql;
  publisher: TradePublisher;
  config: IngestRunSettings;
}

export interface SymbolSummary {
  symbol: string;
  trades: number;
  first_ts: string | null;
  last_ts: string | null;
}

export interface IngestSummary {
  symbols: SymbolSummary[];
  trades_published: number;
  messages_published: number;
  from: string | null;
  to: string | null;
  until: string;
  interval_seconds: number;
}

function chunk<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size)
    chunks.push(items.slice(start, start + size));
  return chunks;
}

/**
 * One scheduler run: makes sure the default symbols exist, generates every active symbol's
 * trades due up to `untilMs` from its last stored trade, and publishes them in trades.v1 batches.
 * Rejects (and the scheduler retries) if any batch is not accepted: a retry republishes the same
 * trades, which persist stores once.
 */
export async function runIngestion(
  { sql, publisher, config }: IngestDeps,
  { untilMs, symbols: only }: { untilMs: number; symbols?: string[] | undefined },
): Promise<IngestSummary> {
  await ensureSymbols(sql, config.DEFAULT_SYMBOLS);
  const states = await fetchActiveSymbolStates(sql, only);
  if (only !== undefined && states.length !== new Set(only).size) {
    const found = new Set(states.map((state) => state.symbol));
    const missing = only.filter((symbol) => !found.has(symbol));
    throw symbolNotFound(missing, 'Unknown or inactive symbol(s)');
  }
  const intervalMs = config.INGESTION_INTERVAL_SECONDS * 1000;
  const planned = states.map((state) => ({
    symbol: state.symbol,
    trades: generateTrades({
      seed: config.INGEST_SEED,
      symbol: state.symbol,
      last:
        state.lastPrice === null || state.lastTs === null
          ? undefined
          : { price: state.lastPrice, timestampMs: state.lastTs.getTime() },
      untilMs,
      intervalMs,
      maxTrades: config.INGEST_MAX_TRADES_PER_SYMBOL,
      maxBackfillMs: config.INGEST_MAX_BACKFILL_SECONDS * 1000,
    }),
  }));
  const batches = planned.flatMap(({ symbol, trades }) =>
    chunk(trades, config.PUBLISH_BATCH_SIZE).map((batch) => ({ symbol, batch })),
  );
  await Promise.all(
    batches.map(({ symbol, batch }) =>
      publisher.publish({ v: 1, source: 'synthetic', trades: batch }, symbol),
    ),
  );
  const all: GeneratedTrade[] = planned.flatMap((plan) => plan.trades);
  const times = all.map((trade) => trade.ts).sort();
  return {
    symbols: planned.map(({ symbol, trades }) => ({
      symbol,
      trades: trades.length,
      first_ts: trades[0]?.ts ?? null,
      last_ts: trades.at(-1)?.ts ?? null,
    })),
    trades_published: all.length,
    messages_published: batches.length,
    from: times[0] ?? null,
    to: times.at(-1) ?? null,
    until: new Date(untilMs).toISOString(),
    interval_seconds: config.INGESTION_INTERVAL_SECONDS,
  };
}

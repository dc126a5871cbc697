import { generateTrades } from '../../../../shared/market/random-walk.js';
import { fetchSymbolStates } from '../../../../shared/prices/latest-prices.queries.js';
import type { SourceDeps, TradeSource } from '../trade-source.js';

/**
 * The seeded random walk as a source: for each symbol, one trade per INGESTION_INTERVAL_SECONDS
 * since its last stored trade (continuity from the last stored price), ids `SYMBOL-<epoch ms>`.
 */
export function createSyntheticSource({ sql, config }: SourceDeps): TradeSource {
  return {
    name: 'synthetic',
    async pull(symbols, { untilMs }) {
      const states = await fetchSymbolStates(
        sql,
        symbols.map((s) => s.symbol),
      );
      return states.map((state) => ({
        symbol: state.symbol,
        status: 'ok',
        trades: generateTrades({
          seed: config.INGEST_SEED,
          symbol: state.symbol,
          last:
            state.lastPrice === null || state.lastTs === null
              ? undefined
              : { price: state.lastPrice, timestampMs: state.lastTs.getTime() },
          untilMs,
          intervalMs: config.INGESTION_INTERVAL_SECONDS * 1000,
          maxTrades: config.INGEST_MAX_TRADES_PER_SYMBOL,
          maxBackfillMs: config.INGEST_MAX_BACKFILL_SECONDS * 1000,
          jumpEvery: config.INGEST_SPIKE_EVERY_N_TRADES,
        }),
      }));
    },
  };
}

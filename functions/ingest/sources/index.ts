import type { SourceName } from '../../../shared/sources/source-names.js';
import { createBinanceSource } from './binance/binance-source.js';
import { createSyntheticSource } from './synthetic/synthetic-source.js';
import type { SourceDeps, TradeSource } from './trade-source.js';

/**
 * Every source ingest can fetch from, by name. Typed by the one list of names
 * (shared/sources/source-names.ts): a name without its provider here does not compile.
 */
export const SOURCE_FACTORIES: Record<SourceName, (deps: SourceDeps) => TradeSource> = {
  synthetic: createSyntheticSource,
  binance: createBinanceSource,
};

/** One instance of every source, sharing the function's pool, settings and logger. */
export function createSources(deps: SourceDeps): Record<SourceName, TradeSource> {
  // Object.fromEntries cannot know its keys are exactly the registry's; the map over it makes them so.
  return Object.fromEntries(
    Object.entries(SOURCE_FACTORIES).map(([name, create]) => [name, create(deps)]),
  ) as Record<SourceName, TradeSource>;
}

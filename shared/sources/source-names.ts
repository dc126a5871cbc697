/**
 * Where a symbol's trades can come from, named once: the api validates a symbol's `source` against
 * this list and ingest has one provider folder per name (functions/ingest/sources/<name>/), whose
 * registry is typed by it, so a name without a provider does not compile.
 *
 * Adding a provider: its name here, its folder, its line in functions/ingest/sources/index.ts.
 */
export const SOURCE_NAMES = ['synthetic', 'binance'] as const;

/** One of the platform's trade sources. */
export type SourceName = (typeof SOURCE_NAMES)[number];

/** The seeded random walk: needs no provider name for the instrument. */
export const SYNTHETIC: SourceName = 'synthetic';

/** Whether a symbol of this source must name the provider's instrument (`source_symbol`). */
export function needsSourceSymbol(source: SourceName): boolean {
  return source !== SYNTHETIC;
}

/**
 * A provider's name for an instrument, as the database accepts it: 1-64 printable ASCII characters
 * (providers use `BTCUSDT`, `BTC-USD`, `XBT/USD`).
 */
export const SOURCE_SYMBOL_PATTERN = /^[\x21-\x7e]{1,64}$/;

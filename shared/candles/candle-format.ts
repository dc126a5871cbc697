import type { Fragment } from 'postgres';
import type { SqlTag } from './aggregate-trades.js';
import type { Candle } from './candle.js';

/**
 * How a candle query hands each candle back: the select list over a candle row (a row of the
 * `candles` table, or one aggregateTrades() computed: bucket, open, high, low, close, volume, vwap,
 * trade_count) and how to read the values it gives. Every reader of candles gets typed ones
 * (candleValues); the /candles route brings its own format, which has PostgreSQL render the
 * served JSON, so a stored day goes out without being parsed and serialized again.
 */
export interface CandleFormat<T> {
  /** How many columns `select` gives. */
  readonly columns: number;
  /** The select list for a stored row (of `candles`) or for a computed one. */
  select(sql: SqlTag, row: 'stored' | 'computed'): Fragment;
  /** The candle from the first `columns` values of a result row. */
  decode(values: readonly unknown[]): T;
}

/** Typed candles: exact decimals as PostgreSQL prints them without trailing zeros. */
export const candleValues: CandleFormat<Candle> = {
  columns: 8,
  select: (sql) => sql`
    extract(epoch from bucket)::float8 * 1000, trim_scale(open)::text, trim_scale(high)::text,
    trim_scale(low)::text, trim_scale(close)::text, trim_scale(volume)::text,
    trim_scale(vwap)::text, trade_count`,
  decode: (values) => ({
    timestamp: new Date(values[0] as number).toISOString(),
    open: values[1] as string,
    high: values[2] as string,
    low: values[3] as string,
    close: values[4] as string,
    volume: values[5] as string,
    vwap: values[6] as string,
    trade_count: values[7] as number,
  }),
};

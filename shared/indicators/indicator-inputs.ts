import type { Candle } from '../candles/candle.js';
import type { CandleFormat } from '../candles/candle-format.js';
import type { IndicatorInput } from './compute-indicator.js';
import type { IndicatorSpec } from './indicator-spec.js';

/**
 * Candles as an indicator reads them: the bucket start and, as float64, only the prices it reads
 * (its series, or high, low and close); the others are NaN. Fewer columns to convert and parse is
 * most of what an indicator costs over the candles themselves, and the prices cross as decimal
 * text: PostgreSQL turns a numeric into a float8 by printing and parsing it, which costs more than
 * Number() does here, with the same result (the nearest float64 to the decimal).
 */
export function indicatorInputs(spec: IndicatorSpec): CandleFormat<IndicatorInput> {
  if ('series' in spec) {
    const { series } = spec;
    return {
      columns: 2,
      select: (sql) => sql`date_part('epoch', bucket) * 1000, ${sql(series)}::text`,
      decode: (values) => {
        const candle: IndicatorInput = {
          timeMs: values[0] as number,
          open: Number.NaN,
          high: Number.NaN,
          low: Number.NaN,
          close: Number.NaN,
        };
        candle[series] = Number(values[1]);
        return candle;
      },
    };
  }
  return {
    columns: 4,
    select: (sql) => sql`date_part('epoch', bucket) * 1000, high::text, low::text, close::text`,
    decode: (values) => ({
      timeMs: values[0] as number,
      open: Number.NaN,
      high: Number(values[1]),
      low: Number(values[2]),
      close: Number(values[3]),
    }),
  };
}

/** A typed candle (a filled one, say) as an indicator reads it. */
export const indicatorInputOf = (candle: Candle): IndicatorInput => ({
  timeMs: Date.parse(candle.timestamp),
  open: Number(candle.open),
  high: Number(candle.high),
  low: Number(candle.low),
  close: Number(candle.close),
});

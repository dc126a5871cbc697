import type { CandleFormat } from '../../../../shared/candles/candle-format.js';
import { jsonWithRaw } from '../../lib/json-with-raw.js';

/**
 * The candles as /candles prints them, rendered by PostgreSQL (candle_json(), migration 0007): a
 * stored candle's text is kept in its row, so a stored day goes out as 1,440 short strings without
 * being built as objects, parsed or serialized again.
 */
export const servedCandleJson: CandleFormat<string> = {
  columns: 1,
  select: (sql, row) =>
    row === 'stored'
      ? sql`json`
      : sql`candle_json(bucket, open, high, low, close, volume, vwap, trade_count)`,
  decode: (values) => values[0] as string,
};

/** What /candles answers besides the candles, in the order the answer prints it. */
export interface CandlesAnswerFields {
  symbol: string;
  interval: string;
  /** With a timezone or a calendar interval only. */
  timezone?: string;
  start: string;
  end: string;
  fill: 'none' | 'previous';
  count: number;
  next_start: string | null;
}

/**
 * The /candles answer as JSON text: the same text JSON.stringify gives the answer object, with the
 * candles' JSON texts spliced in rather than parsed and serialized again.
 */
export function candlesAnswerJson(
  { next_start, ...head }: CandlesAnswerFields,
  candles: readonly string[],
): string {
  return jsonWithRaw(head, 'candles', `[${candles.join(',')}]`, { next_start });
}

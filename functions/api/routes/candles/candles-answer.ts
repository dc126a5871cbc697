import type { CandleJson } from './candles.queries.js';

/** What /candles answers besides the candles, in the order the answer prints it. */
export interface CandlesAnswerFields {
  symbol: string;
  interval: string;
  start: string;
  end: string;
  fill: 'none' | 'previous';
  count: number;
  next_start: string | null;
}

/**
 * The /candles answer as JSON text: the same text JSON.stringify gives the answer object, with the
 * candles already rendered by PostgreSQL spliced in rather than parsed and serialized again.
 */
export function candlesAnswerJson(
  { next_start, ...head }: CandlesAnswerFields,
  candles: CandleJson[],
): string {
  const before = JSON.stringify(head).slice(0, -1);
  const after = JSON.stringify({ next_start }).slice(1);
  return `${before},"candles":[${candles.join(',')}],${after}`;
}

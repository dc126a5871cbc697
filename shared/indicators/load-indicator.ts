import type { CandleRequest } from '../candles/candle.js';
import { loadFilledCandles } from '../candles/fill-previous.js';
import { loadCandles } from '../candles/load-candles.js';
import { candlesOfTradedBucketsBefore } from '../candles/traded-buckets.js';
import { readerOf, type Db } from '../db/read-write.js';
import type { IndicatorInput, TimedValue } from './compute-indicator.js';
import { indicatorInputOf, indicatorInputs } from './indicator-inputs.js';
import { warmUpAnchor, warmUpCandles, type IndicatorSpec } from './indicator-spec.js';

/**
 * The indicator math (trading-signals), loaded on first use: an api instance that serves no
 * indicator never holds it (~15 MB of resident memory, and its load time in a cold start).
 */
let math: Promise<typeof import('./indicator-values.js')> | undefined;
const indicatorMath = () => (math ??= import('./indicator-values.js'));

export interface IndicatorRequest extends CandleRequest {
  fill: 'none' | 'previous';
}

/**
 * The indicator at every candle of the request, over the candles /candles serves for it (empty
 * buckets omitted, or filled with `fill: 'previous'`), its warm-up fetched here: the candles
 * before the request that its values depend on, however far back they lie.
 */
export async function loadIndicatorValues(
  db: Db,
  spec: IndicatorSpec,
  request: IndicatorRequest,
  nowMs: number,
): Promise<TimedValue[]> {
  const { symbol, intervalMs, endMs, fill } = request;
  const anchorMs = warmUpAnchor(spec, request.startMs, intervalMs);
  const needed = warmUpCandles(spec);
  const format = indicatorInputs(spec);
  const load = async (startMs: number, toMs: number): Promise<IndicatorInput[]> => {
    const range = { symbol, intervalMs, startMs, endMs: toMs };
    return fill === 'previous'
      ? (await loadFilledCandles(db, range, nowMs)).map(indicatorInputOf)
      : loadCandles(db, range, nowMs, format);
  };
  // Where every bucket has a candle (filled ones always do, once trading began), `needed` buckets
  // hold the warm-up; where some are empty, the rest are the traded buckets further back.
  const guessMs = anchorMs - needed * intervalMs;
  let candles = await load(guessMs, endMs);
  const loaded = candles.findIndex((candle) => candle.timeMs >= anchorMs);
  const before = loaded === -1 ? candles.length : loaded;
  if (fill === 'none' && before < needed) {
    const earlier = await candlesOfTradedBucketsBefore(
      readerOf(db),
      { symbol, intervalMs, beforeMs: guessMs, count: needed - before },
      format,
    );
    if (earlier.length > 0) candles = [...earlier, ...candles];
  }
  const { indicatorValues } = await indicatorMath();
  return indicatorValues(spec, candles, request);
}

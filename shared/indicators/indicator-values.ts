import { computeIndicator, type IndicatorInput, type TimedValue } from './compute-indicator.js';
import {
  BLOCK_BUCKETS,
  isRecursive,
  warmUpAnchor,
  warmUpCandles,
  type IndicatorSpec,
} from './indicator-spec.js';

/** The index of the first candle at or after `ms` (candles.length when none). */
function indexAtOrAfter(candles: readonly IndicatorInput[], ms: number): number {
  let low = 0;
  let high = candles.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((candles[middle] as IndicatorInput).timeMs < ms) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * The indicator's values at the candles in [startMs, endMs). `candles`, in time order, must start
 * warmUpCandles(spec) candles before warmUpAnchor() or at the start of the symbol's history (the
 * loader's part); with more before, the values are the same.
 */
export function indicatorValues(
  spec: IndicatorSpec,
  candles: readonly IndicatorInput[],
  { startMs, endMs, intervalMs }: { startMs: number; endMs: number; intervalMs: number },
): TimedValue[] {
  const warmUp = warmUpCandles(spec);
  const end = indexAtOrAfter(candles, endMs);
  if (!isRecursive(spec)) {
    const from = Math.max(0, indexAtOrAfter(candles, startMs) - warmUp);
    return computeIndicator(spec, candles, { from, to: end, emitFromMs: startMs });
  }
  const blockMs = BLOCK_BUCKETS * intervalMs;
  const values: TimedValue[] = [];
  for (let block = warmUpAnchor(spec, startMs, intervalMs); block < endMs; block += blockMs) {
    const from = Math.max(0, indexAtOrAfter(candles, block) - warmUp);
    const to = Math.min(end, indexAtOrAfter(candles, block + blockMs));
    values.push(
      ...computeIndicator(spec, candles, { from, to, emitFromMs: Math.max(block, startMs) }),
    );
  }
  return values;
}

import { bucketStart } from '../market/candle-intervals.js';

/** The indicators /indicators serves, each with its parameters (defaults applied). */
export type PriceSeries = 'open' | 'high' | 'low' | 'close';

export type IndicatorSpec =
  | { type: 'sma'; window: number; series: PriceSeries }
  | { type: 'ema'; window: number; series: PriceSeries }
  | { type: 'rsi'; window: number; series: PriceSeries }
  | { type: 'macd'; short: number; long: number; signal: number; series: PriceSeries }
  | { type: 'bbands'; window: number; k: number; series: PriceSeries }
  | { type: 'atr'; window: number }
  | { type: 'stoch'; k: number; d: number; smooth: number };

export type IndicatorType = IndicatorSpec['type'];

/**
 * Candles of history after which the seed of an exponential smoothing with weight `alpha` weighs
 * less than 1e-14 of a value: (1 - alpha)^steps <= 1e-14, near float64's own precision, so a
 * value computed from that far back agrees with one computed over the whole history to far more
 * than the 8 significant digits promised (the seed's error is at most the series' own range).
 */
export function decaySteps(alpha: number): number {
  return Math.ceil(Math.log(1e-14) / Math.log(1 - alpha));
}

/** EMA weights, for every period (including MACD's 12 and 26): 2 / (n + 1). */
const emaAlpha = (window: number) => 2 / (window + 1);

/**
 * Whether a value depends on the whole history before it (exponential and Wilder smoothing), not
 * only on a window of candles: such an indicator is computed from a warm-up that starts at a
 * fixed place (indicator-values.ts), so that no request range changes a value.
 */
export function isRecursive(spec: IndicatorSpec): boolean {
  return spec.type === 'ema' || spec.type === 'rsi' || spec.type === 'macd' || spec.type === 'atr';
}

/**
 * How many candles before a value the computation starts: for a windowed indicator, enough to fill
 * its windows (more changes nothing); for a recursive one, enough for its first value to be
 * defined and for the seed to have decayed below 1e-14 (decaySteps).
 */
export function warmUpCandles(spec: IndicatorSpec): number {
  switch (spec.type) {
    case 'sma':
    case 'bbands':
      return spec.window;
    case 'stoch':
      return spec.k + spec.smooth + spec.d;
    case 'ema':
      return spec.window + decaySteps(emaAlpha(spec.window));
    case 'rsi':
    case 'atr':
      // Wilder's smoothing: weight 1/n, seeded with the simple average of the first n changes.
      return spec.window + 1 + decaySteps(1 / spec.window);
    case 'macd':
      // The line's error decays with its slower EMA (short < long), then the signal's.
      return (
        spec.long +
        spec.signal +
        decaySteps(emaAlpha(spec.long)) +
        decaySteps(emaAlpha(spec.signal))
      );
  }
}

/**
 * A recursive indicator starts afresh, warmUpCandles() before each block of this many buckets
 * (aligned to the bucket origin), so every value is computed from the same place whatever range
 * is asked for: values are stable to the last digit, not just within a tolerance. A block costs
 * its warm-up in computation, which is cheap next to loading candles; a request loads from its
 * first block's warm-up on, so short blocks load little before the range.
 */
export const BLOCK_BUCKETS = 128;

/** Where the warm-up of a request starting at `startMs` must reach back from. */
export function warmUpAnchor(spec: IndicatorSpec, startMs: number, intervalMs: number): number {
  return isRecursive(spec) ? bucketStart(startMs, BLOCK_BUCKETS * intervalMs) : startMs;
}

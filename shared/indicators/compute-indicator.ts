import { ATR, BollingerBands, EMA, SMA, StochasticOscillator } from 'trading-signals';
import type { IndicatorSpec, PriceSeries } from './indicator-spec.js';

/** What an indicator reads of a candle: its bucket start and prices, as float64. */
export interface IndicatorInput {
  timeMs: number;
  open: number;
  high: number;
  low: number;
  close: number;
}

/** One value: a number, or the named parts of a composite indicator. */
export type IndicatorValue =
  | number
  | { macd: number; signal: number; histogram: number }
  | { upper: number; middle: number; lower: number }
  | { k: number; d: number };

/** Feeds candles one by one; undefined until the indicator is defined. */
type Step = (candle: IndicatorInput) => IndicatorValue | undefined;

/**
 * trading-signals' RSI, the same arithmetic in the same order (a test holds the two equal to the
 * last bit): Wilder's smoothing seeded with the mean of the first `window` changes, 100 without a
 * loss. Written out because the library's shifts arrays and averages a window on every update,
 * which made RSI the one indicator slower than the candle read it rides on (docs/benchmarks.md).
 */
function wilderRsi(window: number, series: PriceSeries): Step {
  const factor = 1 / window;
  let previous: number | undefined;
  let changes = 0;
  let gains = 0;
  let losses = 0;
  let averageGain = 0;
  let averageLoss = 0;
  return (candle) => {
    const price = candle[series];
    if (previous === undefined) {
      previous = price;
      return undefined;
    }
    const gain = price > previous ? price - previous : 0;
    const loss = price > previous ? 0 : previous - price;
    previous = price;
    changes++;
    if (changes <= window) {
      gains += gain;
      losses += loss;
      if (changes < window) return undefined;
      averageGain = gains / window;
      averageLoss = losses / window;
    } else {
      averageGain = (gain - averageGain) * factor + averageGain;
      averageLoss = (loss - averageLoss) * factor + averageLoss;
    }
    return averageLoss === 0 ? 100 : 100 - 100 / (averageGain / averageLoss + 1);
  };
}

/** trading-signals' EMA step, operation for operation: the first value is blended with itself. */
const emaStep = (weight: number, previous: number | undefined, value: number) =>
  value * weight + (previous ?? value) * (1 - weight);

/**
 * trading-signals' MACD, the same arithmetic in the same order (a test holds the two equal to the
 * last bit): EMAs of weight 2/(n+1) seeded with the first price, the line defined from the
 * `long`-th price, the signal an EMA of the line from there. Written out for the reason RSI is:
 * the library's copies prices into an array and allocates per update, a third of the cost of five
 * years of daily MACD.
 */
function emaMacd(short: number, long: number, signal: number, series: PriceSeries): Step {
  const [shortWeight, longWeight, signalWeight] = [short, long, signal].map((n) => 2 / (n + 1)) as [
    number,
    number,
    number,
  ];
  let fast: number | undefined;
  let slow: number | undefined;
  let smoothed: number | undefined;
  let prices = 0;
  return (candle) => {
    const price = candle[series];
    fast = emaStep(shortWeight, fast, price);
    slow = emaStep(longWeight, slow, price);
    if (++prices < long) return undefined;
    const macd = fast - slow;
    smoothed = emaStep(signalWeight, smoothed, macd);
    return { macd, signal: smoothed, histogram: macd - smoothed };
  };
}

/** Indicators of trading-signals (checked against Tulip Indicators; our fixtures hold it there). */
function stepper(spec: IndicatorSpec): Step {
  switch (spec.type) {
    case 'sma': {
      const indicator = new SMA(spec.window);
      return (candle) => indicator.update(candle[spec.series], false) ?? undefined;
    }
    case 'rsi':
      return wilderRsi(spec.window, spec.series);
    case 'ema': {
      // Defined from its `window`-th input, as EMA.isStable says; counted here, since isStable
      // finds out by throwing and catching an error, which costs more than the whole update.
      const indicator = new EMA(spec.window);
      let inputs = 0;
      return (candle) => {
        const value = indicator.update(candle[spec.series], false);
        return ++inputs >= spec.window ? value : undefined;
      };
    }
    case 'macd':
      return emaMacd(spec.short, spec.long, spec.signal, spec.series);
    case 'bbands': {
      const indicator = new BollingerBands(spec.window, spec.k);
      return (candle) => {
        const value = indicator.update(candle[spec.series], false);
        return value === null
          ? undefined
          : { upper: value.upper, middle: value.middle, lower: value.lower };
      };
    }
    case 'atr': {
      const indicator = new ATR(spec.window);
      return (candle) => indicator.update(candle, false) ?? undefined;
    }
    case 'stoch': {
      const indicator = new StochasticOscillator({
        kPeriod: spec.k,
        kSlowingPeriod: spec.smooth,
        dPeriod: spec.d,
      });
      return (candle) => {
        const value = indicator.update(candle, false);
        return value === null ? undefined : { k: value.stochK, d: value.stochD };
      };
    }
  }
}

export interface TimedValue {
  timeMs: number;
  value: IndicatorValue;
}

/**
 * The indicator over `candles[from..to)`, computed from `candles[from]` on, with the values of the
 * candles at or after `emitFromMs` returned (those before only warm it up).
 */
export function computeIndicator(
  spec: IndicatorSpec,
  candles: readonly IndicatorInput[],
  {
    from = 0,
    to = candles.length,
    emitFromMs = -Infinity,
  }: { from?: number; to?: number; emitFromMs?: number } = {},
): TimedValue[] {
  const step = stepper(spec);
  const values: TimedValue[] = [];
  for (let i = from; i < to; i++) {
    const candle = candles[i] as IndicatorInput;
    const value = step(candle);
    if (value !== undefined && candle.timeMs >= emitFromMs)
      values.push({ timeMs: candle.timeMs, value });
  }
  return values;
}

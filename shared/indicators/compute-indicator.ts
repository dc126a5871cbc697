import { ATR, BollingerBands, EMA, MACD, RSI, SMA, StochasticOscillator } from 'trading-signals';
import type { IndicatorSpec } from './indicator-spec.js';

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

/** Indicators of trading-signals (checked against Tulip Indicators; our fixtures hold it there). */
function stepper(spec: IndicatorSpec): Step {
  switch (spec.type) {
    case 'sma':
    case 'rsi': {
      // Both answer null until they are defined.
      const indicator = spec.type === 'sma' ? new SMA(spec.window) : new RSI(spec.window);
      return (candle) => indicator.update(candle[spec.series], false) ?? undefined;
    }
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
    case 'macd': {
      const indicator = new MACD(new EMA(spec.short), new EMA(spec.long), new EMA(spec.signal));
      return (candle) => {
        const value = indicator.update(candle[spec.series], false);
        return value === null
          ? undefined
          : { macd: value.macd, signal: value.signal, histogram: value.histogram };
      };
    }
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

import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { EMA, MACD, RSI } from 'trading-signals';
import { describe, expect, it } from 'vitest';
import {
  computeIndicator,
  type IndicatorInput,
  type IndicatorValue,
} from '../../shared/indicators/compute-indicator.js';
import { decimalText } from '../../shared/indicators/decimal-text.js';
import {
  warmUpAnchor,
  warmUpCandles,
  type IndicatorSpec,
} from '../../shared/indicators/indicator-spec.js';
import { indicatorValues } from '../../shared/indicators/indicator-values.js';

interface TulipCase {
  type: string;
  params: number[];
  inputs: { close: number[]; high?: number[]; low?: number[] };
  outputs: number[][];
}
const tulip = JSON.parse(
  readFileSync(new URL('../fixtures/tulip-indicators.json', import.meta.url), 'utf8'),
) as { indicators: Record<string, TulipCase> };

const MINUTE = 60_000;

function specOf({ type, params }: TulipCase): IndicatorSpec {
  const [a = 0, b = 0, c = 0] = params;
  switch (type) {
    case 'sma':
    case 'ema':
    case 'rsi':
      return { type, window: a, series: 'close' };
    case 'macd':
      return { type, short: a, long: b, signal: c, series: 'close' };
    case 'bbands':
      return { type, window: a, k: b, series: 'close' };
    case 'atr':
      return { type, window: a };
    case 'stoch':
      return { type, k: a, smooth: b, d: c };
    default:
      throw new Error(`no case for ${type}`);
  }
}

/** A value's parts in Tulip's output order. */
function parts(value: IndicatorValue): number[] {
  if (typeof value === 'number') return [value];
  if ('macd' in value) return [value.macd, value.signal, value.histogram];
  if ('upper' in value) return [value.lower, value.middle, value.upper];
  return [value.k, value.d];
}

describe('indicators against Tulip Indicators’ published test vectors', () => {
  it.each(Object.entries(tulip.indicators))('%s', (_name, reference) => {
    const { close, high = close, low = close } = reference.inputs;
    const candles = close.map((c, i) => ({
      timeMs: i * MINUTE,
      open: c,
      high: high[i] ?? c,
      low: low[i] ?? c,
      close: c,
    }));
    const ours = computeIndicator(specOf(reference), candles);
    // Each output series as Tulip prints it (3 decimals), ours aligned on the last inputs: Tulip
    // starts EMA at the first input, we where it has `window` inputs; the values agree from there.
    reference.outputs.forEach((expected, part) => {
      const printed = ours.map(({ value }) => (parts(value)[part] ?? Number.NaN).toFixed(3));
      expect(printed).toEqual(
        expected.slice(expected.length - ours.length).map((v) => v.toFixed(3)),
      );
    });
    expect(ours.at(-1)?.timeMs).toBe((close.length - 1) * MINUTE);
    // Every output Tulip has, but EMA's first window - 1 (defined here only from `window` inputs).
    const undefinedHere = reference.type === 'ema' ? (reference.params[0] ?? 1) - 1 : 0;
    expect(ours.length).toBe((reference.outputs[0]?.length ?? 0) - undefinedHere);
  });
});

describe('decimalText', () => {
  it.each([
    [100, '100'],
    [61.28430000001, '61.2843'],
    [-0.0123, '-0.0123'],
    [0.000012345678912, '0.00001234567891'],
    [123456789012.5, '123456789000'],
    [1e-20, '0.00000000000000000001'],
    [0, '0'],
    [-0, '0'],
  ])('%d → %s', (value, text) => {
    expect(decimalText(value)).toBe(text);
  });

  it('is the value to 10 significant digits, in plain notation', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (value) => {
        const text = decimalText(value);
        expect(text).toMatch(/^-?\d+(\.\d*[1-9])?$/);
        expect(Number(text)).toBe(Number(value.toPrecision(10)));
      }),
    );
  });
});

/** A random walk of candles over buckets of a minute, some buckets empty (omitted). */
const series = fc
  .array(
    fc.record({
      gap: fc.oneof(fc.constant(1), fc.constant(1), fc.constant(1), fc.integer({ min: 2, max: 5 })),
      // Never flat: over a market flat for longer than the warm-up, RSI is 0/0 (see the next test).
      move: fc.double({ min: 0.0001, max: 0.02, noNaN: true }),
      up: fc.boolean(),
      spread: fc.double({ min: 0, max: 0.01, noNaN: true }),
    }),
    { minLength: 400, maxLength: 1_500 },
  )
  .map((steps) => {
    let time = 0;
    let price = 100;
    return steps.map(({ gap, move, up, spread }): IndicatorInput => {
      time += gap * MINUTE;
      const open = price;
      price *= up ? 1 + move : 1 - move;
      return {
        timeMs: time,
        open,
        high: Math.max(open, price) * (1 + spread),
        low: Math.min(open, price) * (1 - spread),
        close: price,
      };
    });
  });

const specs = fc.oneof(
  fc.record({
    type: fc.constantFrom('sma' as const, 'ema' as const, 'rsi' as const),
    window: fc.integer({ min: 1, max: 30 }),
    series: fc.constantFrom('open' as const, 'close' as const),
  }),
  fc.record({ type: fc.constant('atr' as const), window: fc.integer({ min: 1, max: 30 }) }),
  fc
    .record({
      type: fc.constant('macd' as const),
      short: fc.integer({ min: 1, max: 12 }),
      long: fc.integer({ min: 13, max: 26 }),
      signal: fc.integer({ min: 1, max: 9 }),
      series: fc.constant('close' as const),
    })
    .map((spec): IndicatorSpec => spec),
  fc.record({
    type: fc.constant('bbands' as const),
    window: fc.integer({ min: 2, max: 30 }),
    k: fc.double({ min: 0.5, max: 3, noNaN: true }),
    series: fc.constant('close' as const),
  }),
  fc.record({
    type: fc.constant('stoch' as const),
    k: fc.integer({ min: 1, max: 20 }),
    d: fc.integer({ min: 1, max: 5 }),
    smooth: fc.integer({ min: 1, max: 5 }),
  }),
);

/** What the loader hands over for a range: its warm-up and the range, nothing older. */
function loaded(spec: IndicatorSpec, candles: IndicatorInput[], startMs: number) {
  const anchor = warmUpAnchor(spec, startMs, MINUTE);
  const first = candles.findIndex((c) => c.timeMs >= anchor);
  const from = Math.max(0, (first === -1 ? candles.length : first) - warmUpCandles(spec));
  return candles.slice(from);
}

describe('indicator values', () => {
  it('never depend on the range asked for, and equal the whole history’s to 8 significant digits', () => {
    fc.assert(
      fc.property(
        series,
        specs,
        fc.tuple(fc.nat(), fc.nat(), fc.nat(), fc.nat()),
        (candles, spec, [a, b, c, d]) => {
          const lastMs = (candles.at(-1)?.timeMs ?? 0) + MINUTE;
          const span = (n: number) => Math.floor((n % lastMs) / MINUTE) * MINUTE;
          const first = {
            startMs: Math.min(span(a), span(b)),
            endMs: Math.max(span(a), span(b)) + MINUTE,
          };
          const second = {
            startMs: Math.min(span(c), span(d)),
            endMs: Math.max(span(c), span(d)) + MINUTE,
          };
          const valuesOf = ({ startMs, endMs }: typeof first) =>
            new Map(
              indicatorValues(spec, loaded(spec, candles, startMs), {
                startMs,
                endMs,
                intervalMs: MINUTE,
              }).map(({ timeMs, value }) => [timeMs, parts(value)]),
            );
          const one = valuesOf(first);
          const other = valuesOf(second);
          for (const [timeMs, value] of one)
            if (other.has(timeMs)) expect(other.get(timeMs)).toEqual(value);

          // One pass over the whole history, as a client with every candle would compute it.
          const whole = new Map(
            computeIndicator(spec, candles).map(({ timeMs, value }) => [timeMs, parts(value)]),
          );
          const scale = Math.max(...candles.map((candle) => candle.high));
          for (const [timeMs, value] of one) {
            const reference = whole.get(timeMs);
            expect(reference, `defined at ${timeMs} in the whole history`).toBeDefined();
            value.forEach((part, i) => {
              const exact = reference?.[i] ?? Number.NaN;
              // 8 significant digits of the value, or of the price scale for values near zero.
              expect(Math.abs(part - exact)).toBeLessThanOrEqual(
                1e-8 * Math.max(Math.abs(exact), scale * 1e-6),
              );
            });
          }
          expect(one.size).toBe(
            [...whole.keys()].filter((t) => t >= first.startMs && t < first.endMs).length,
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  it('RSI of a market flat for longer than the warm-up is 100 (no loss), whatever moved before', () => {
    const spec: IndicatorSpec = { type: 'rsi', window: 14, series: 'close' };
    const candles = Array.from({ length: 2_000 }, (_, i): IndicatorInput => {
      const close = i < 300 ? 100 + (i % 7) - 3 : 100;
      return { timeMs: i * MINUTE, open: close, high: close, low: close, close };
    });
    const startMs = 1_900 * MINUTE;
    const [first] = indicatorValues(spec, loaded(spec, candles, startMs), {
      startMs,
      endMs: startMs + MINUTE,
      intervalMs: MINUTE,
    });
    expect(first?.value).toBe(100);
  });

  it('RSI is trading-signals’ RSI to the last bit, flat stretches included', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.double({ min: 1, max: 1_000, noNaN: true }), fc.constant(100)), {
          minLength: 1,
          maxLength: 300,
        }),
        // From 2: the library's RSI(1) keeps one price and never answers; ours is 0 or 100.
        fc.integer({ min: 2, max: 30 }),
        (closes, window) => {
          const reference = new RSI(window);
          const expected = closes.map((close) => reference.update(close, false) ?? undefined);
          const candles = closes.map((close, i) => ({
            timeMs: i * MINUTE,
            open: close,
            high: close,
            low: close,
            close,
          }));
          const ours = new Map(
            computeIndicator({ type: 'rsi', window, series: 'close' }, candles).map((v) => [
              v.timeMs,
              v.value,
            ]),
          );
          expect(closes.map((_, i) => ours.get(i * MINUTE))).toStrictEqual(expected);
        },
      ),
    );
  });

  it('MACD is trading-signals’ MACD to the last bit', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 1, max: 1_000, noNaN: true }), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 13, max: 30 }),
        fc.integer({ min: 1, max: 12 }),
        (closes, short, long, signal) => {
          const reference = new MACD(new EMA(short), new EMA(long), new EMA(signal));
          const expected = closes.map((close) => reference.update(close, false) ?? undefined);
          const candles = closes.map((close, i) => ({
            timeMs: i * MINUTE,
            open: close,
            high: close,
            low: close,
            close,
          }));
          const ours = new Map(
            computeIndicator({ type: 'macd', short, long, signal, series: 'close' }, candles).map(
              (v) => [v.timeMs, v.value],
            ),
          );
          expect(closes.map((_, i) => ours.get(i * MINUTE))).toStrictEqual(expected);
        },
      ),
    );
  });
});

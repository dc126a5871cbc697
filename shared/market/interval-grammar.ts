import { INTERVAL_SECONDS } from './candle-intervals.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * N × unit, as Polygon's multiplier × timespan or Alpaca's `37Min`. Each unit's bound keeps one
 * bucket within the next unit up to a day, then to a year (documented in README and OpenAPI).
 */
export const INTERVAL_UNITS = {
  s: { ms: SECOND, max: 59, name: 'seconds' },
  m: { ms: MINUTE, max: 1_440, name: 'minutes' },
  h: { ms: HOUR, max: 168, name: 'hours' },
  d: { ms: DAY, max: 366, name: 'days' },
  w: { ms: 7 * DAY, max: 52, name: 'weeks' },
} as const;

export type IntervalUnit = keyof typeof INTERVAL_UNITS;

/** A candle interval as asked: its canonical name (`37m`) and its length. */
export interface CandleInterval {
  name: string;
  ms: number;
}

const GRAMMAR = /^([1-9]\d{0,3})([smhdw])$/;

/** What the grammar accepts, for error messages and the OpenAPI description. */
export const INTERVAL_GRAMMAR = `N followed by a unit: ${Object.entries(INTERVAL_UNITS)
  .map(([unit, { max }]) => `${unit} (1–${max})`)
  .join(', ')}, e.g. 1m, 37m, 4h, 1d, 1w`;

/** The interval `text` names, or why it names none. */
export function parseInterval(text: string): CandleInterval | { problem: string } {
  if (text === 'M' || /^\d+[My]$/.test(text))
    return {
      problem: 'calendar months (M) and years (y) are not served yet: use d or w, e.g. 1d, 1w',
    };
  const match = GRAMMAR.exec(text);
  if (match === null) return { problem: `must be ${INTERVAL_GRAMMAR}` };
  const [, count = '', unit = 's'] = match;
  const { ms, max, name } = INTERVAL_UNITS[unit as IntervalUnit];
  const n = Number(count);
  if (n > max) return { problem: `${name} go from 1 to ${max}` };
  return { name: `${n}${unit}`, ms: n * ms };
}

/**
 * Whether candles of this length may be kept in the `candles` table: the lengths whose stored
 * candles persist invalidates when a late trade arrives (candle-cache.ts). Any other length is
 * computed from the trades each time.
 */
export function isStoredInterval(intervalMs: number): boolean {
  return INTERVAL_SECONDS.includes(intervalMs / 1_000);
}

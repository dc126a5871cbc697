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

/**
 * Calendar units, served by /candles only: months counted from 1970-01 (3M are quarters, 6M
 * halves, 12M years) and years from 1970, in the request's time zone.
 */
export const CALENDAR_UNITS = {
  M: { months: 1, max: 12, name: 'months' },
  y: { months: 12, max: 10, name: 'years' },
} as const;

export type IntervalUnit = keyof typeof INTERVAL_UNITS;
export type CalendarUnit = keyof typeof CALENDAR_UNITS;

/** A candle interval of one fixed length as asked: its canonical name (`37m`), unit and length. */
export interface CandleInterval {
  name: string;
  unit: IntervalUnit;
  ms: number;
}

/** A calendar interval (`3M`, `1y`): its buckets last as many months as it says, in local time. */
export interface CalendarInterval {
  name: string;
  unit: CalendarUnit;
  months: number;
}

const GRAMMAR = /^([1-9]\d{0,3})([smhdwMy])$/;

const describeUnits = (units: Record<string, { max: number }>) =>
  Object.entries(units)
    .map(([unit, { max }]) => `${unit} (1–${max})`)
    .join(', ');

/** What the grammar accepts for fixed lengths, for error messages and the OpenAPI description. */
export const INTERVAL_GRAMMAR = `N followed by a unit: ${describeUnits(INTERVAL_UNITS)}, e.g. 1m, 37m, 4h, 1d, 1w`;

/** What /candles accepts: the fixed lengths and the calendar units. */
export const CANDLE_INTERVAL_GRAMMAR = `N followed by a unit: ${describeUnits({
  ...INTERVAL_UNITS,
  ...CALENDAR_UNITS,
})}, e.g. 1m, 37m, 4h, 1d, 1w, 1M (a calendar month), 3M (quarters), 1y`;

/**
 * The interval `text` names (fixed lengths and calendar units), or why it names none: what
 * /candles accepts.
 */
export function parseCandleInterval(
  text: string,
): CandleInterval | CalendarInterval | { problem: string } {
  const match = GRAMMAR.exec(text);
  if (match === null) return { problem: `must be ${CANDLE_INTERVAL_GRAMMAR}` };
  const [, count = '', unit = 's'] = match;
  const n = Number(count);
  if (unit === 'M' || unit === 'y') {
    const { months, max, name } = CALENDAR_UNITS[unit];
    if (n > max) return { problem: `${name} go from 1 to ${max}` };
    return { name: `${n}${unit}`, unit, months: n * months };
  }
  const { ms, max, name } = INTERVAL_UNITS[unit as IntervalUnit];
  if (n > max) return { problem: `${name} go from 1 to ${max}` };
  return { name: `${n}${unit}`, unit: unit as IntervalUnit, ms: n * ms };
}

/** The fixed-length interval `text` names, or why it names none: what the other routes accept. */
export function parseInterval(text: string): CandleInterval | { problem: string } {
  const parsed = parseCandleInterval(text);
  if (/^\d+[My]$/.test(text) || 'months' in parsed)
    return {
      problem:
        'calendar months (M) and years (y) are served by /candles only: use s, m, h, d or w here',
    };
  if ('problem' in parsed && !GRAMMAR.test(text)) return { problem: `must be ${INTERVAL_GRAMMAR}` };
  return parsed;
}

/** Whether an interval is calendar months or years (lengths that vary). */
export const isCalendarInterval = (
  interval: CandleInterval | CalendarInterval,
): interval is CalendarInterval => 'months' in interval;

/**
 * Whether candles of this length may be kept in the `candles` table: the lengths whose stored
 * candles persist invalidates when a late trade arrives (candle-cache.ts). Any other length is
 * computed from the trades each time.
 */
export function isStoredInterval(intervalMs: number): boolean {
  return INTERVAL_SECONDS.includes(intervalMs / 1_000);
}

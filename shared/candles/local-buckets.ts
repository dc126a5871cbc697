import { Temporal } from 'temporal-polyfill';
import {
  isCalendarInterval,
  type CalendarInterval,
  type CandleInterval,
} from '../market/interval-grammar.js';
import { zoneOffsetMs } from '../market/time-zone.js';

const DAY_MS = 86_400_000;
/** Monday 1970-01-05 as a day number (days since 1970-01-01): N-day and N-week buckets count from it. */
const ORIGIN_DAY = 4;

/** One bucket: [startMs, endMs). */
export interface Bucket {
  startMs: number;
  endMs: number;
}

/**
 * Buckets whose boundaries are local dates and times in an IANA zone (DST-correct: a local day
 * lasts 23, 24 or 25 hours), for the calendar units and for any unit in a zone other than UTC:
 *
 * - `d`, `w`: N local days (weeks: 7N) counted from Monday 1970-01-05, each starting at local
 *   midnight;
 * - `M`, `y`: N calendar months (years: 12N) counted from 1970-01, starting on the 1st at local
 *   midnight;
 * - `s`, `m`, `h` (up to 24 hours): fixed lengths counted from each local midnight, the day's last
 *   bucket ending at the next local midnight (shorter when the length does not divide that day).
 *
 * Local midnight is the first instant whose local date is that day (Temporal's startOfDay): 01:00
 * where the clocks skip midnight (America/Santiago in September), the first of two midnights where
 * it repeats (America/Havana in November). A day a zone skipped (Pacific/Apia, 2011-12-30) has no
 * bucket. Every instant lies in exactly one bucket.
 */
export class LocalBuckets {
  /** The length of s/m/h buckets, counted within each local day; undefined for d, w, M, y. */
  private readonly subDay: number | undefined;
  private readonly boundary: (index: number) => number;
  /** The bucket index of a local date (days since 1970-01-01). */
  private readonly indexOf: (day: number) => number;

  /** @throws RangeError for s/m/h longer than a day: use d or w. */
  constructor(
    readonly interval: CandleInterval | CalendarInterval,
    readonly zone: string,
  ) {
    this.subDay =
      isCalendarInterval(interval) || interval.unit === 'd' || interval.unit === 'w'
        ? undefined
        : interval.ms;
    if (isCalendarInterval(interval)) {
      const n = interval.months;
      this.indexOf = (day) => {
        const date = new Date(day * DAY_MS);
        return Math.floor(((date.getUTCFullYear() - 1970) * 12 + date.getUTCMonth()) / n);
      };
      this.boundary = (index) => {
        const month = index * n;
        return this.dayStart(Date.UTC(1970 + Math.floor(month / 12), mod(month, 12), 1) / DAY_MS);
      };
    } else {
      const sinceOrigin = (day: number) => day - ORIGIN_DAY;
      if (interval.unit === 'd' || interval.unit === 'w') {
        const n = interval.ms / DAY_MS;
        this.indexOf = (day) => Math.floor(sinceOrigin(day) / n);
        this.boundary = (index) => this.dayStart(ORIGIN_DAY + index * n);
      } else {
        if (interval.ms > DAY_MS) throw new RangeError('longer than a day');
        // Sub-day buckets are found within their day, indexed here by day.
        this.indexOf = (day) => sinceOrigin(day);
        this.boundary = (index) => this.dayStart(ORIGIN_DAY + index);
      }
    }
  }

  /** The bucket that holds the instant `ms`. */
  bucketAt(ms: number): Bucket {
    const period = this.periodAt(ms);
    return this.subDay === undefined ? period : this.cut(period, ms, this.subDay);
  }

  /** The buckets that overlap [fromMs, toMs), in order, at most `max` of them. */
  between(fromMs: number, toMs: number, max = Number.POSITIVE_INFINITY): Bucket[] {
    const buckets: Bucket[] = [];
    // Period by period (days, or N days, months...): one boundary each, no look-up per bucket.
    let { index, ...period } = this.periodAt(fromMs);
    let ms = fromMs;
    while (ms < toMs && buckets.length < max) {
      if (this.subDay === undefined) buckets.push(period);
      else
        for (; ms < period.endMs && ms < toMs && buckets.length < max;) {
          const bucket = this.cut(period, ms, this.subDay);
          buckets.push(bucket);
          ms = bucket.endMs;
        }
      // A day a zone skipped is a period of no length: it has no bucket.
      do {
        index++;
        period = { startMs: period.endMs, endMs: this.boundary(index + 1) };
      } while (period.endMs === period.startMs);
      ms = period.startMs;
    }
    return buckets;
  }

  /** The period (N days, N months; a day for sub-day buckets) holding `ms`, and its index. */
  private periodAt(ms: number): Bucket & { index: number } {
    const localDay = Math.floor((ms + zoneOffsetMs(ms, this.zone)) / DAY_MS);
    // The local date names the period but for instants a repeated hour puts back before midnight
    // (America/St_Johns until 2010 fell back from 00:01 to 23:01): step to the one holding `ms`.
    let index = this.indexOf(localDay);
    while (ms >= this.boundary(index + 1)) index++;
    while (ms < this.boundary(index)) index--;
    return { index, startMs: this.boundary(index), endMs: this.boundary(index + 1) };
  }

  /** The sub-day bucket holding `ms` in its day: `length` from the day's start, cut at its end. */
  private cut(day: Bucket, ms: number, length: number): Bucket {
    const startMs = day.startMs + Math.floor((ms - day.startMs) / length) * length;
    return { startMs, endMs: Math.min(startMs + length, day.endMs) };
  }

  /** The first instant of the local day `day` (days since 1970-01-01), or of the next day it has. */
  private dayStart(day: number): number {
    return dayStartIn(this.zone, day);
  }
}

/**
 * Local days' first instants, per zone, kept for the process (they change only with its time-zone
 * data): a year of daily buckets asked again costs no look-up. Bounded: emptied when full.
 */
const dayStarts = new Map<string, Map<number, number>>();
let dayStartsKept = 0;
const MAX_DAY_STARTS_KEPT = 50_000;

function dayStartIn(zone: string, day: number): number {
  let starts = dayStarts.get(zone);
  if (starts === undefined) dayStarts.set(zone, (starts = new Map<number, number>()));
  let start = starts.get(day);
  if (start === undefined) {
    start = steadyMidnight(day * DAY_MS, zone) ?? startOfDay(day, zone);
    if (++dayStartsKept > MAX_DAY_STARTS_KEPT) {
      dayStarts.clear();
      dayStartsKept = 1;
      dayStarts.set(zone, (starts = new Map<number, number>()));
    }
    starts.set(day, start);
  }
  return start;
}

/**
 * The midnight of the wall time `wallMs` (a local midnight written as if UTC) where the zone's
 * offset stays the same a day either side, so that midnight is the day's one and first instant;
 * undefined near an offset change, which Temporal resolves (startOfDay). A few Intl look-ups
 * instead of Temporal's: a year of daily buckets costs ~2 ms, not ~20.
 */
function steadyMidnight(wallMs: number, zone: string): number | undefined {
  const offset = zoneOffsetMs(wallMs, zone);
  const midnight = wallMs - offset;
  const steady =
    zoneOffsetMs(midnight, zone) === offset &&
    zoneOffsetMs(midnight - DAY_MS, zone) === offset &&
    zoneOffsetMs(midnight + DAY_MS, zone) === offset;
  return steady ? midnight : undefined;
}

/** Temporal's start of a local day: its first instant (after the gap where midnight is skipped). */
function startOfDay(day: number, zone: string): number {
  const date = new Date(day * DAY_MS);
  return Temporal.PlainDate.from({
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
  }).toZonedDateTime(zone).epochMilliseconds;
}

const mod = (a: number, n: number) => ((a % n) + n) % n;

import { Temporal } from 'temporal-polyfill';
import {
  isCalendarInterval,
  type CalendarInterval,
  type CandleInterval,
} from '../market/interval-grammar.js';

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
  private readonly dayStarts = new Map<number, number>();
  private readonly boundary: (index: number) => number;
  private readonly indexOf: (date: Temporal.PlainDate) => number;

  /** @throws RangeError for s/m/h longer than a day: use d or w. */
  constructor(
    readonly interval: CandleInterval | CalendarInterval,
    readonly zone: string,
  ) {
    if (isCalendarInterval(interval)) {
      const n = interval.months;
      this.indexOf = (date) => Math.floor(((date.year - 1970) * 12 + date.month - 1) / n);
      this.boundary = (index) => {
        const month = index * n;
        return this.dayStart(Date.UTC(1970 + Math.floor(month / 12), mod(month, 12), 1) / DAY_MS);
      };
    } else {
      const sinceOrigin = (date: Temporal.PlainDate) => epochDay(date) - ORIGIN_DAY;
      if (interval.unit === 'd' || interval.unit === 'w') {
        const n = interval.ms / DAY_MS;
        this.indexOf = (date) => Math.floor(sinceOrigin(date) / n);
        this.boundary = (index) => this.dayStart(ORIGIN_DAY + index * n);
      } else {
        if (interval.ms > DAY_MS) throw new RangeError('longer than a day');
        // Sub-day buckets are found within their day, indexed here by day.
        this.indexOf = (date) => sinceOrigin(date);
        this.boundary = (index) => this.dayStart(ORIGIN_DAY + index);
      }
    }
  }

  /** The bucket that holds the instant `ms`. */
  bucketAt(ms: number): Bucket {
    const local = Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(this.zone);
    // The local date names the bucket but for instants a repeated hour puts back before midnight
    // (America/St_Johns until 2010 fell back from 00:01 to 23:01): step to the bucket holding `ms`.
    let index = this.indexOf(local.toPlainDate());
    while (ms >= this.boundary(index + 1)) index++;
    while (ms < this.boundary(index)) index--;
    const startMs = this.boundary(index);
    const endMs = this.boundary(index + 1);
    if (
      isCalendarInterval(this.interval) ||
      this.interval.unit === 'd' ||
      this.interval.unit === 'w'
    )
      return { startMs, endMs };
    const length = this.interval.ms;
    const start = startMs + Math.floor((ms - startMs) / length) * length;
    return { startMs: start, endMs: Math.min(start + length, endMs) };
  }

  /** The buckets that overlap [fromMs, toMs), in order, at most `max` of them. */
  between(fromMs: number, toMs: number, max = Number.POSITIVE_INFINITY): Bucket[] {
    const buckets: Bucket[] = [];
    for (let ms = fromMs; ms < toMs && buckets.length < max;) {
      const bucket = this.bucketAt(ms);
      buckets.push(bucket);
      ms = bucket.endMs;
    }
    return buckets;
  }

  /** The first instant of the local day `day` (days since 1970-01-01), or of the next day it has. */
  private dayStart(day: number): number {
    let start = this.dayStarts.get(day);
    if (start === undefined) {
      const date = new Date(day * DAY_MS);
      start = Temporal.PlainDate.from({
        year: date.getUTCFullYear(),
        month: date.getUTCMonth() + 1,
        day: date.getUTCDate(),
      }).toZonedDateTime(this.zone).epochMilliseconds;
      this.dayStarts.set(day, start);
    }
    return start;
  }
}

const epochDay = (date: Temporal.PlainDate) =>
  Date.UTC(date.year, date.month - 1, date.day) / DAY_MS;

const mod = (a: number, n: number) => ((a % n) + n) % n;

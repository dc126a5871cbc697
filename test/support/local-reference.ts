/**
 * Local and calendar bucket boundaries computed independently of the api: luxon's zone offsets
 * (not Temporal, which the api uses) and the definition itself, a local day starting at the first
 * instant whose local date is that day or later, found by walking the zone's offset segments around
 * it. The property test holds /candles to these.
 */
import { DateTime, IANAZone } from 'luxon';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Monday 1970-01-05 as days since the epoch. */
const ORIGIN_DAY = 4;

export type ReferenceInterval =
  | { unit: 's' | 'm' | 'h'; ms: number }
  | { unit: 'd' | 'w'; days: number }
  | { unit: 'M' | 'y'; months: number };

export class ReferenceZone {
  private readonly zone: IANAZone;
  private readonly starts = new Map<number, number>();

  constructor(readonly name: string) {
    this.zone = IANAZone.create(name);
    if (!this.zone.isValid) throw new Error(`luxon does not know ${name}`);
  }

  /** The zone's offset at `ms`, in ms (luxon gives minutes, fractional for local mean time). */
  offsetMs(ms: number): number {
    return Math.round(this.zone.offset(ms) * MINUTE);
  }

  /** The local calendar day of `ms`, as days since 1970-01-01. */
  localDay(ms: number): number {
    const local = DateTime.fromMillis(ms, { zone: this.zone });
    return Date.UTC(local.year, local.month - 1, local.day) / DAY;
  }

  /**
   * The first instant whose local date is day `day` or later. Between two offset changes the wall
   * clock runs with the instant, so within each segment [a, b) of offset c the first such instant is
   * max(a, W - c), W being the day's midnight as if in UTC; the earliest segment that has one wins.
   */
  dayStart(day: number): number {
    const cached = this.starts.get(day);
    if (cached !== undefined) return cached;
    const wall = day * DAY;
    // Offsets lie within -12 h and +14 h: 15 hours before, the local date is still earlier.
    let a = wall - 15 * HOUR;
    for (;;) {
      const offset = this.offsetMs(a);
      const b = this.nextChange(a, a + 40 * HOUR);
      const candidate = Math.max(a, wall - offset);
      if (candidate < b) {
        this.starts.set(day, candidate);
        return candidate;
      }
      a = b;
    }
  }

  /** The first instant after `from` (up to `limit`) where the offset differs from `from`'s. */
  private nextChange(from: number, limit: number): number {
    const offset = this.offsetMs(from);
    for (let probe = from + 15 * MINUTE; probe <= limit; probe += 15 * MINUTE) {
      if (this.offsetMs(probe) === offset) continue;
      // The change lies in (probe - 15 min, probe]: bisect to the millisecond.
      let lo = probe - 15 * MINUTE;
      let hi = probe;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (this.offsetMs(mid) === offset) lo = mid;
        else hi = mid;
      }
      return hi;
    }
    return limit;
  }

  /** The local start of `ms` as `yyyy-MM-ddTHH:mm:ss±hh:mm`. */
  localStart(ms: number): string {
    const local = DateTime.fromMillis(ms, { zone: this.zone });
    return `${local.toFormat("yyyy-MM-dd'T'HH:mm:ss")}${local.toFormat('ZZ')}`;
  }

  /** [start, end) of the bucket of `interval` holding `ms`, by the documented rules. */
  bucketOf(ms: number, interval: ReferenceInterval): [number, number] {
    const day = this.localDay(ms);
    const boundary = (index: number): number => {
      switch (interval.unit) {
        case 'M':
        case 'y': {
          const month = index * interval.months;
          const year = 1970 + Math.floor(month / 12);
          return this.dayStart(Date.UTC(year, month - (year - 1970) * 12, 1) / DAY);
        }
        case 'd':
        case 'w':
          return this.dayStart(ORIGIN_DAY + index * interval.days);
        default:
          return this.dayStart(index);
      }
    };
    let index: number;
    if (interval.unit === 'M' || interval.unit === 'y') {
      const local = DateTime.fromMillis(ms, { zone: this.zone });
      index = Math.floor(((local.year - 1970) * 12 + local.month - 1) / interval.months);
    } else if (interval.unit === 'd' || interval.unit === 'w') {
      index = Math.floor((day - ORIGIN_DAY) / interval.days);
    } else {
      index = day;
    }
    // A bucket is [boundary(i), boundary(i + 1)): the one that holds ms.
    while (ms >= boundary(index + 1)) index++;
    while (ms < boundary(index)) index--;
    const start = boundary(index);
    const end = boundary(index + 1);
    if (interval.unit !== 's' && interval.unit !== 'm' && interval.unit !== 'h')
      return [start, end];
    const bucket = start + Math.floor((ms - start) / interval.ms) * interval.ms;
    return [bucket, Math.min(bucket + interval.ms, end)];
  }
}

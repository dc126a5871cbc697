import { Temporal } from 'temporal-polyfill';

/** An IANA name's shape: `UTC`, `America/New_York`, `Etc/GMT+5`; not an offset such as `+05:00`. */
const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+){0,2}$/;
const MAX_NAME_LENGTH = 64;

/** The name of the UTC zone, the default: its buckets are today's (counted from 1970-01-05T00:00Z). */
export const UTC = 'UTC';

/**
 * The IANA time zone `text` names, as Node's time-zone data (ICU, through Temporal) spells it
 * (`america/new_york` → `America/New_York`), or why it names none. Names are checked against
 * PostgreSQL's list too (databaseKnowsTimeZone), which this pure check cannot reach.
 */
export function parseTimeZone(text: string): { zone: string } | { problem: string } {
  if (text.length > MAX_NAME_LENGTH || !IANA_NAME.test(text))
    return {
      problem: 'must be an IANA time zone name, e.g. America/New_York, Europe/Berlin or UTC',
    };
  try {
    return { zone: Temporal.Instant.fromEpochMilliseconds(0).toZonedDateTimeISO(text).timeZoneId };
  } catch {
    return { problem: `unknown time zone ${text}: use an IANA name, e.g. America/New_York` };
  }
}

/** One formatter per zone (creating one costs far more than formatting with it). */
const wallClocks = new Map<string, Intl.DateTimeFormat>();

/**
 * The zone's UTC offset at the instant `ms`, in ms: whole seconds, as local mean time before a
 * zone adopted standard time has them. Read from Node's time-zone data with Intl, ~5 µs, where
 * Temporal takes several times that.
 */
export function zoneOffsetMs(ms: number, zone: string): number {
  let clock = wallClocks.get(zone);
  if (clock === undefined) {
    clock = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    wallClocks.set(zone, clock);
  }
  const wall: Partial<Record<Intl.DateTimeFormatPartTypes, number>> = {};
  for (const part of clock.formatToParts(ms))
    if (part.type !== 'literal') wall[part.type] = Number(part.value);
  const wallMs = Date.UTC(
    wall.year ?? 0,
    (wall.month ?? 1) - 1,
    wall.day ?? 1,
    wall.hour ?? 0,
    wall.minute ?? 0,
    wall.second ?? 0,
  );
  return wallMs - Math.floor(ms / 1000) * 1000;
}

/**
 * The local date and time of `ms` in `zone` with its UTC offset, ISO 8601 to the second:
 * `2026-03-08T00:00:00-05:00`. An offset with seconds (local mean time before a zone adopted
 * standard time, e.g. Africa/Monrovia until 1972: -00:44:30) keeps them, so the text names the
 * instant exactly.
 */
export function localIsoTimestamp(ms: number, zone: string): string {
  const offset = zoneOffsetMs(ms, zone);
  const wall = new Date(Math.floor(ms / 1000) * 1000 + offset).toISOString().slice(0, 19);
  const seconds = Math.abs(offset) / 1000;
  const hhmm = [Math.floor(seconds / 3600), Math.floor(seconds / 60) % 60, seconds % 60]
    .map((n) => String(n).padStart(2, '0'))
    .slice(0, seconds % 60 === 0 ? 2 : 3)
    .join(':');
  return `${wall}${offset < 0 ? '-' : '+'}${hhmm}`;
}

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

/**
 * The local date and time of `ms` in `zone` with its UTC offset, ISO 8601 to the second:
 * `2026-03-08T00:00:00-05:00`. An offset with seconds (local mean time before a zone adopted
 * standard time, e.g. Africa/Monrovia until 1972: -00:44:30) keeps them, so the text names the
 * instant exactly.
 */
export function localIsoTimestamp(ms: number, zone: string): string {
  const local = Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone);
  return `${local.toPlainDateTime().toString({ smallestUnit: 'second' })}${local.offset}`;
}

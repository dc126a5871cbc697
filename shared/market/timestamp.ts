const DAY_MS = 86_400_000;

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;

/**
 * Epoch milliseconds of an ISO 8601 timestamp that names its zone (`Z` or `±hh:mm`), or undefined.
 * Stricter than Date.parse, which rolls 2026-02-30 over to March 2nd: a date the calendar does not
 * have is refused here rather than by PostgreSQL (where it would fail a whole batch, again and again).
 * The same instant as Date.parse (fractions past the millisecond dropped), computed from the parts
 * by arithmetic: persist checks every trade's timestamp, and Date objects cost it a third of its
 * validation. The usual form (UTC, `Z`, seconds) is read by character codes; any other, or any
 * doubt, by the pattern, which decides.
 */
export function parseZonedTimestamp(value: string): number | undefined {
  return parseUtcSeconds(value) ?? parseZonedTimestampByPattern(value);
}

const ZERO = 48;
const [DASH, DOT, COLON, T, Z] = ['-', '.', ':', 'T', 'Z'].map((c) => c.charCodeAt(0)) as [
  number,
  number,
  number,
  number,
  number,
];

/** The digits of value[from, from + count) as a number, or -1 if one is not a digit. */
function digits(value: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const d = value.charCodeAt(i) - ZERO;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * `YYYY-MM-DDTHH:MM:SS[.f]Z` (1 to 9 fraction digits), valid, read without a pattern: no match
 * array and no strings per part, for the form ingest and most feeds send. Undefined otherwise,
 * valid or not: the pattern then decides.
 */
function parseUtcSeconds(value: string): number | undefined {
  const length = value.length;
  if (length < 20 || length > 30 || length === 21 || value.charCodeAt(length - 1) !== Z)
    return undefined;
  if (
    value.charCodeAt(4) !== DASH ||
    value.charCodeAt(7) !== DASH ||
    value.charCodeAt(10) !== T ||
    value.charCodeAt(13) !== COLON ||
    value.charCodeAt(16) !== COLON ||
    (length > 20 && value.charCodeAt(19) !== DOT)
  )
    return undefined;
  const y = digits(value, 0, 4);
  const mo = digits(value, 5, 2);
  const d = digits(value, 8, 2);
  const h = digits(value, 11, 2);
  const mi = digits(value, 14, 2);
  const s = digits(value, 17, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return undefined;
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59) return undefined;
  let ms = 0;
  if (length > 20) {
    const fractionDigits = length - 21;
    if (digits(value, 20, fractionDigits) < 0) return undefined;
    // The first three digits, as a count of milliseconds (".5" is 500).
    const kept = Math.min(fractionDigits, 3);
    ms = digits(value, 20, kept) * (kept === 1 ? 100 : kept === 2 ? 10 : 1);
  }
  return daysFromCivil(y, mo, d) * DAY_MS + ((h * 60 + mi) * 60 + s) * 1_000 + ms;
}

/** parseZonedTimestamp by the ISO 8601 pattern: every form it accepts. */
export function parseZonedTimestampByPattern(value: string): number | undefined {
  const match = ISO_8601.exec(value);
  if (!match) return undefined;
  const y = Number(match[1]);
  const mo = Number(match[2]);
  const d = Number(match[3]);
  const h = Number(match[4]);
  const mi = Number(match[5]);
  const s = match[6] === undefined ? 0 : Number(match[6]);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59)
    return undefined;
  let offsetMinutes = 0;
  if (match[8] === undefined) {
    const oh = Number(match[10]);
    const om = Number(match[11]);
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (match[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const fraction = match[7];
  const ms = fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0'));
  return daysFromCivil(y, mo, d) * DAY_MS + ((h * 60 + mi - offsetMinutes) * 60 + s) * 1_000 + ms;
}

const isLeapYear = (y: number) => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(y: number, mo: number): number {
  return mo === 2 && isLeapYear(y) ? 29 : (DAYS_IN_MONTH[mo - 1] ?? 0);
}

/** Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(y: number, mo: number, d: number): number {
  const year = mo <= 2 ? y - 1 : y;
  const era = Math.floor(year / 400);
  const yearOfEra = year - era * 400;
  const dayOfYear = Math.floor((153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5) + d - 1;
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

const two = (n: number) => (n < 10 ? `0${n}` : `${n}`);
const three = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/**
 * `new Date(ms).toISOString()` for years 1970–9999, by arithmetic: several times faster, which
 * counts where a day of candles or indicator values prints thousands of timestamps.
 * The calendar is Howard Hinnant's civil_from_days.
 */
export function isoTimestamp(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  let rest = ms - days * DAY_MS;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1_460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear =
    dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1;
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1_000);
  return `${year}-${two(month)}-${two(day)}T${two(hours)}:${two(minutes)}:${two(seconds)}.${three(rest - seconds * 1_000)}Z`;
}

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;

/**
 * Epoch milliseconds of an ISO 8601 timestamp that names its zone (`Z` or `±hh:mm`), or undefined.
 * Stricter than Date.parse, which rolls 2026-02-30 over to March 2nd: a date the calendar does not
 * have is refused here rather than by PostgreSQL (where it would fail a whole batch, again and again).
 */
export function parseZonedTimestamp(value: string): number | undefined {
  const match = ISO_8601.exec(value);
  if (!match) return undefined;
  const [
    ,
    year,
    month,
    day,
    hour,
    minute,
    second = '0',
    ,
    zulu,
    ,
    offsetHours = '0',
    offsetMinutes = '0',
  ] = match;
  const [y, mo, d, h, mi, s] = [year, month, day, hour, minute, second].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth || h > 23 || mi > 59 || s > 59)
    return undefined;
  if (zulu === undefined && (Number(offsetHours) > 23 || Number(offsetMinutes) > 59))
    return undefined;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}

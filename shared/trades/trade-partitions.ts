/**
 * The layout of the partitioned `trades` table (migration 0019): one partition per calendar month
 * of `ts` in UTC, named `trades_pYYYY_MM`, holding [first instant of the month, first instant of
 * the next); and `trades_default`, which takes whatever no monthly partition covers. The names
 * are the layout: the maintenance run reads which months exist from them, never from the bound
 * expressions' text (which PostgreSQL prints in the session's time zone).
 */

/** The partition that takes a trade no monthly partition covers. */
export const DEFAULT_PARTITION = 'trades_default';

const MONTHLY_NAME = /^trades_p(\d{4})_(\d{2})$/;

/** A calendar month in UTC, as the first instant of it. */
export type Month = Date;

/** The month `at` falls in. */
export function monthOf(at: Date): Month {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
}

/** The month `count` months after `month` (before, when negative). */
export function addMonths(month: Month, count: number): Month {
  return new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + count, 1));
}

/** The month's partition: `trades_p2026_11` for November 2026. */
export function partitionName(month: Month): string {
  const mm = String(month.getUTCMonth() + 1).padStart(2, '0');
  return `trades_p${month.getUTCFullYear()}_${mm}`;
}

/** The month a partition named by {@link partitionName} holds; undefined for any other name. */
export function monthOfPartition(name: string): Month | undefined {
  const match = MONTHLY_NAME.exec(name);
  if (match?.[1] === undefined || match[2] === undefined) return undefined;
  const month = Number(match[2]);
  if (month < 1 || month > 12) return undefined;
  return new Date(Date.UTC(Number(match[1]), month - 1, 1));
}

/** `2026-11`: how logs and reports name a month. */
export function monthLabel(month: Month): string {
  return month.toISOString().slice(0, 7);
}

/**
 * The months whose every trade is older than `retentionDays` before `now`: a month goes once its
 * end is at least that far back, so no trade younger than the retention is ever dropped.
 */
export function isPastRetention(month: Month, now: Date, retentionDays: number): boolean {
  return addMonths(month, 1).getTime() <= now.getTime() - retentionDays * 86_400_000;
}

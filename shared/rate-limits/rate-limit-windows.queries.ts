import type { Sql } from '../db/client.js';

/** What one reservation got from a window's shared counter. */
export interface Reservation {
  /** Requests this instance may now serve without asking again (0: the window is used up). */
  granted: number;
  /** Requests reserved in the window by every instance, this grant included. */
  reserved: number;
}

/**
 * Reserves up to `batch` requests of `subject`'s window for this instance, never letting the
 * window's total pass `limit`: one upsert on the primary, atomic under the row's lock, so any
 * number of instances together hand out at most `limit` requests per window.
 */
export async function reserveRequests(
  sql: Sql,
  {
    subject,
    windowStart,
    limit,
    batch,
  }: {
    subject: string;
    windowStart: Date;
    limit: number;
    batch: number;
  },
): Promise<Reservation> {
  const first = Math.min(batch, limit);
  const [row] = await sql<Reservation[]>`
    insert into rate_limit_windows as w (subject, window_start, reserved, last_grant)
    values (${subject}, ${windowStart}, ${first}, ${first})
    on conflict (subject, window_start) do update
      set reserved = w.reserved + least(${batch}::int, ${limit}::int - w.reserved),
          last_grant = least(${batch}::int, ${limit}::int - w.reserved)
      where w.reserved < ${limit}::int
    returning last_grant as granted, reserved`;
  // No row: the update's condition failed, the window is used up.
  return row ?? { granted: 0, reserved: limit };
}

/** Deletes the counters of windows that ended before `before`. */
export async function deleteWindowsBefore(sql: Sql, before: Date): Promise<number> {
  const result = await sql`delete from rate_limit_windows where window_start < ${before}`;
  return result.count;
}

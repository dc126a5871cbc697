import type { Sql } from '../db/client.js';
import type { Logger } from '../logging/logger.js';
import {
  deleteWindowsBefore,
  reserveRequests,
  type Reservation,
} from './rate-limit-windows.queries.js';

/** Rate limits count requests in fixed windows of one minute, aligned on the minute (UTC). */
export const RATE_LIMIT_WINDOW_MS = 60_000;

/** The answer for one request: whether it may be served, and what its headers say. */
export interface RateLimitDecision {
  allowed: boolean;
  /** The caller's limit per window. */
  limit: number;
  /** Requests left in the window, as this instance sees it (see RateLimiter). */
  remaining: number;
  /** Whole seconds until the window ends (at least 1). */
  resetSeconds: number;
}

export interface RateLimiterOptions {
  /** The primary: reservations are writes. */
  sql: Sql;
  logger: Logger;
  /** The most requests one instance reserves at a time for a caller and window. */
  batch: number;
  now?: () => number;
}

/** This instance's share of one caller's current window. */
interface Lease {
  windowStart: number;
  limit: number;
  /** Reserved by this instance and not yet served. */
  left: number;
  /** The window's unreserved requests when this instance last reserved. */
  unreserved: number;
  /** The window is used up: every instance's reservations reached the limit. */
  exhausted: boolean;
  /** What the next reservation asks for: doubles each time, up to a tenth of the limit. */
  nextBatch: number;
  /** The reservation in flight: true when it answered, false when the database failed. */
  pending: Promise<boolean> | undefined;
}

/**
 * Per-caller limits that hold across api instances. Each caller's window is a row in PostgreSQL
 * (rate_limit_windows); an instance reserves up to `batch` requests of it at a time and serves
 * them from memory. The first batch of a window is `batch` (at most a tenth of the limit), each
 * next one twice the last up to a tenth of the limit, so an instance reserves much only of a
 * caller it serves much; the next batch is reserved while a quarter of the next one's size is
 * still left, so a busy caller rarely waits for the database; one reservation at a time per caller
 * is in flight however many requests arrive together. Reservations never pass the limit, so N
 * instances together never serve more than the limit in a window. What an instance has reserved
 * and not served is lost to the caller when the window ends: at most its last batch and a
 * quarter of the next, so a caller may be refused early by up to that much per instance it used
 * (at most `batch` × 1.25 on an instance it called fewer than `batch` times). Once the
 * database says a window is used up, the instance refuses the caller until it ends without
 * asking again. A database that fails to answer lets the request through (logged): limits
 * protect the service, and a read that needs the database fails on its own.
 */
export class RateLimiter {
  private readonly leases = new Map<string, Lease>();
  private readonly sql: Sql;
  private readonly logger: Logger;
  private readonly batch: number;
  private readonly now: () => number;
  private currentWindow = 0;

  constructor({ sql, logger, batch, now = Date.now }: RateLimiterOptions) {
    this.sql = sql;
    this.logger = logger;
    this.batch = batch;
    this.now = now;
  }

  /**
   * Counts one request of `subject` against `limit` per minute. Synchronous (no promise) when this
   * instance's lease answers, which is most of the time.
   */
  take(subject: string, limit: number): RateLimitDecision | Promise<RateLimitDecision> {
    const now = this.now();
    const windowStart = now - (now % RATE_LIMIT_WINDOW_MS);
    if (windowStart !== this.currentWindow) this.startWindow(windowStart);
    let lease = this.leases.get(subject);
    if (lease === undefined || lease.windowStart !== windowStart || lease.limit !== limit) {
      lease = {
        windowStart,
        limit,
        left: 0,
        unreserved: limit,
        exhausted: false,
        nextBatch: this.firstBatch(limit),
        pending: undefined,
      };
      this.leases.set(subject, lease);
    }
    const resetSeconds = Math.max(1, Math.ceil((windowStart + RATE_LIMIT_WINDOW_MS - now) / 1000));
    if (lease.left > 0) {
      lease.left -= 1;
      // Half the batch left: the next one is reserved now, so requests need not wait for it.
      if (lease.left <= lease.nextBatch / 4 && !lease.exhausted)
        void this.reserveOnce(subject, lease);
      return { allowed: true, limit, remaining: lease.left + lease.unreserved, resetSeconds };
    }
    if (lease.exhausted) return { allowed: false, limit, remaining: 0, resetSeconds };
    return this.reserveOnce(subject, lease).then((answered) =>
      answered
        ? this.take(subject, limit)
        : // The database failed: let the request through rather than refuse everyone.
          { allowed: true, limit, remaining: lease.unreserved, resetSeconds },
    );
  }

  /** A small limit takes a small batch, so a few instances cannot hold all of it. */
  private firstBatch(limit: number): number {
    return Math.max(1, Math.min(this.batch, Math.floor(limit / 10)));
  }

  /** The lease's reservation in flight, started if there is none: one at a time per caller. */
  private reserveOnce(subject: string, lease: Lease): Promise<boolean> {
    lease.pending ??= this.reserve(subject, lease).finally(() => {
      lease.pending = undefined;
    });
    return lease.pending;
  }

  private async reserve(subject: string, lease: Lease): Promise<boolean> {
    let reservation: Reservation;
    try {
      reservation = await reserveRequests(this.sql, {
        subject,
        windowStart: new Date(lease.windowStart),
        limit: lease.limit,
        batch: lease.nextBatch,
      });
    } catch (error) {
      this.logger.warn(
        { err: error, subject },
        'rate limit: reservation failed, request let through',
      );
      return false;
    }
    lease.left += reservation.granted;
    lease.unreserved = lease.limit - reservation.reserved;
    lease.exhausted = reservation.granted === 0;
    // A caller this busy on this instance gets larger batches, so fewer reservations: like TCP's
    // slow start, an instance holds much only of a caller it serves much.
    lease.nextBatch = Math.min(lease.nextBatch * 2, Math.max(1, Math.floor(lease.limit / 10)));
    return true;
  }

  /** Forgets the leases of past windows and, once a minute per instance, their rows. */
  private startWindow(windowStart: number): void {
    this.currentWindow = windowStart;
    for (const [subject, lease] of this.leases)
      if (lease.windowStart < windowStart) this.leases.delete(subject);
    deleteWindowsBefore(this.sql, new Date(windowStart - RATE_LIMIT_WINDOW_MS)).catch(
      (error: unknown) => {
        this.logger.warn({ err: error }, 'rate limit: old windows not deleted');
      },
    );
  }
}

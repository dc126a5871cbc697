/**
 * How stored candles (table `candles`) stay exact while late trades keep arriving.
 *
 * The race to rule out: the api computes a closed bucket from a snapshot that misses a late trade
 * committing at that moment, then stores the candle without it, stale for ever. So:
 *
 * - persist, for a batch holding a trade older than LATE_TRADE_SECONDS (by the database's clock),
 *   first takes an exclusive advisory lock per symbol (sorted, so two batches never deadlock), and
 *   only then, in a later statement whose snapshot follows the lock, inserts the trades and deletes
 *   the stored candles of the buckets they fall into;
 * - the api, before computing and storing, takes the shared form of the symbol's lock in a
 *   statement of its own, so the statement that computes sees every late trade committed before it;
 *   a late batch that comes after waits for it, then deletes what it stored;
 * - the api stores only buckets that ended CANDLE_CACHE_GRACE_SECONDS ago; a batch without late
 *   trades takes no lock and is one statement, which writes only if none of its trades is late by
 *   the database's clock when it runs, and ends within persist's statement timeout, well before
 *   any of its trades' buckets can be stored.
 */

/** First key of the two-key advisory lock; the second is hashtext(symbol). Arbitrary constant. */
export const CANDLE_LOCK_NAMESPACE = 1_668_002;

/** A trade older than this when persisted may land in a stored bucket. */
export const LATE_TRADE_SECONDS = 30;

/** A bucket is stored only once it ended this long ago. */
export const CANDLE_CACHE_GRACE_SECONDS = 60;

/**
 * persist's connections: every statement and every pause inside a transaction is bounded, so a
 * transaction of three statements ends within 20 s, inside LATE_TRADE_SECONDS.
 */
export const PERSIST_CONNECTION_SETTINGS = {
  statement_timeout: '5000',
  idle_in_transaction_session_timeout: '5000',
};

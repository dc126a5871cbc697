import { CandleAccumulator } from '../../../../shared/candles/candle-accumulator.js';
import type { Sql } from '../../../../shared/db/client.js';
import { bucketStart } from '../../../../shared/market/candle-intervals.js';
import type { CandleInterval } from '../../../../shared/market/interval-grammar.js';
import { readCandleTotals } from '../../../../shared/stream/candle-snapshot.queries.js';
import type { StreamTrade } from '../../../../shared/stream/committed-trades.queries.js';
import type { EventId } from '../../../../shared/stream/trade-events.js';

/** Receives rendered `candle` events (one text for every subscriber of a feed). */
export interface CandleSubscriber {
  candle(event: string): void;
}

export interface CandleFeedsOptions {
  sql: Sql;
  /** The clock buckets close by. */
  now: () => number;
  /** A forming candle's events at most this often. */
  formingIntervalMs?: number;
  /**
   * A bucket closes this long after its end: trades published at its last instant are usually
   * stored by then, so fewer closed candles are revised at once.
   */
  closeGraceMs?: number;
}

interface Feed {
  symbol: string;
  /** The interval's canonical name (`37m`). */
  interval: string;
  intervalMs: number;
  subscribers: Set<CandleSubscriber>;
  /** Whether `open` holds every bucket's totals as of the hub's cursor (after the first read). */
  ready: boolean;
  /** Buckets not closed yet that have a state, by start. */
  open: Map<number, CandleAccumulator>;
  /** Open buckets changed since their last event. */
  changed: Set<number>;
  /** Closed buckets a late trade changed: read again, then sent as revised. */
  revised: Set<number>;
  lastFormingAt: number;
  formingTimer?: NodeJS.Timeout | undefined;
  closeTimer?: NodeJS.Timeout | undefined;
}

type CandleState = 'forming' | 'closed' | 'revised';

/** The /candles item plus the symbol, interval and state: closed once, revised on late trades. */
function candleEvent(feed: Feed, candle: CandleAccumulator, state: CandleState): string {
  const values = candle.candle();
  return `event: candle\ndata: ${JSON.stringify({
    symbol: feed.symbol,
    interval: feed.interval,
    ...values,
    closed: state !== 'forming',
    revised: state === 'revised',
  })}\n\n`;
}

/**
 * The hub's candle events: per (symbol, interval) one feed for every stream of this instance that
 * asked for it. A feed starts from the database's totals of a bucket as of the hub's cursor, then
 * adds each trade the hub reads, exactly (candle-accumulator.ts), so a forming candle costs no
 * query per trade; a closed bucket a late trade changes is read again and sent `revised`. Every
 * method runs inside the hub's serial read (prepare, apply, reviseChanged) or synchronously, so
 * the totals and the cursor always agree.
 */
export class CandleFeeds {
  readonly #sql: Sql;
  readonly #now: () => number;
  readonly #formingIntervalMs: number;
  readonly #closeGraceMs: number;
  readonly #feeds = new Map<string, Feed>();

  constructor({ sql, now, formingIntervalMs = 250, closeGraceMs = 2_000 }: CandleFeedsOptions) {
    this.#sql = sql;
    this.#now = now;
    this.#formingIntervalMs = formingIntervalMs;
    this.#closeGraceMs = closeGraceMs;
  }

  /** Whether a feed waits for its first read. */
  get pending(): boolean {
    for (const feed of this.#feeds.values()) if (!feed.ready) return true;
    return false;
  }

  /**
   * Adds `subscriber` to the feed of (symbol, interval); it receives the forming candle at once
   * (or after the feed's first read) and every candle event from then on.
   */
  subscribe(symbol: string, interval: CandleInterval, subscriber: CandleSubscriber): void {
    const key = `${symbol}\u0000${interval.name}`;
    let feed = this.#feeds.get(key);
    if (feed === undefined) {
      feed = {
        symbol,
        interval: interval.name,
        intervalMs: interval.ms,
        subscribers: new Set(),
        ready: false,
        open: new Map(),
        changed: new Set(),
        revised: new Set(),
        lastFormingAt: 0,
      };
      this.#feeds.set(key, feed);
    }
    feed.subscribers.add(subscriber);
    if (feed.ready) {
      const current = feed.open.get(bucketStart(this.#now(), feed.intervalMs));
      if (current !== undefined && current.tradeCount > 0)
        subscriber.candle(candleEvent(feed, current, 'forming'));
    }
  }

  unsubscribe(symbol: string, interval: CandleInterval, subscriber: CandleSubscriber): void {
    const key = `${symbol}\u0000${interval.name}`;
    const feed = this.#feeds.get(key);
    if (feed === undefined) return;
    feed.subscribers.delete(subscriber);
    if (feed.subscribers.size > 0) return;
    clearTimeout(feed.formingTimer);
    clearTimeout(feed.closeTimer);
    this.#feeds.delete(key);
  }

  /**
   * Before the hub hands out `page` (the trades after `cursor`): new feeds read their current
   * bucket, and every feed reads the open buckets of the page's trades it has no state for, both as
   * of `cursor`, so that apply() then adds exactly the trades the totals do not hold.
   */
  async prepare(cursor: EventId, page: readonly StreamTrade[]): Promise<void> {
    const now = this.#now();
    for (const feed of [...this.#feeds.values()]) {
      const wanted = new Set<number>();
      if (!feed.ready) wanted.add(bucketStart(now, feed.intervalMs));
      for (const trade of page) {
        if (trade.symbol !== feed.symbol) continue;
        const bucket = bucketStart(trade.ts.getTime(), feed.intervalMs);
        if (!feed.open.has(bucket) && this.#isOpen(feed, bucket, now)) wanted.add(bucket);
      }
      for (const bucket of wanted) feed.open.set(bucket, await this.#read(feed, bucket, cursor));
      if (!this.#isLive(feed)) continue;
      if (!feed.ready) {
        feed.ready = true;
        const current = feed.open.get(bucketStart(now, feed.intervalMs));
        if (current !== undefined && current.tradeCount > 0) {
          const event = candleEvent(feed, current, 'forming');
          for (const subscriber of feed.subscribers) subscriber.candle(event);
        }
      }
      this.#scheduleClose(feed);
    }
  }

  /** The page's trades, once handed out: open buckets updated, closed ones to read again. */
  apply(page: readonly StreamTrade[]): void {
    const now = this.#now();
    for (const feed of this.#feeds.values()) {
      if (!feed.ready) continue;
      for (const trade of page) {
        if (trade.symbol !== feed.symbol) continue;
        const bucket = bucketStart(trade.ts.getTime(), feed.intervalMs);
        const candle = feed.open.get(bucket);
        if (candle !== undefined) {
          candle.add({
            price: trade.price,
            volume: trade.volume,
            tsMicros: trade.tsMicros,
            seq: BigInt(trade.id.seq),
          });
          feed.changed.add(bucket);
        } else if (!this.#isOpen(feed, bucket, now)) feed.revised.add(bucket);
        // An open bucket without state was created by prepare(), unless it closed meanwhile.
      }
      if (feed.changed.size > 0) this.#scheduleForming(feed);
    }
  }

  /** Closed buckets late trades changed, read again as of `cursor` and sent `revised`. */
  async reviseChanged(cursor: EventId): Promise<void> {
    for (const feed of [...this.#feeds.values()]) {
      const buckets = [...feed.revised].sort((a, b) => a - b);
      feed.revised.clear();
      for (const bucket of buckets) {
        const candle = await this.#read(feed, bucket, cursor);
        if (candle.tradeCount === 0) continue;
        const event = candleEvent(feed, candle, 'revised');
        for (const subscriber of feed.subscribers) subscriber.candle(event);
      }
    }
  }

  /** A bucket's candle as the database holds it at `upTo` in the stream's order. */
  async #read(feed: Feed, bucket: number, upTo: EventId): Promise<CandleAccumulator> {
    const totals = await readCandleTotals(this.#sql, {
      symbol: feed.symbol,
      intervalMs: feed.intervalMs,
      bucketMs: bucket,
      upTo,
    });
    return CandleAccumulator.from(bucket, totals);
  }

  /** Whether `feed` still has subscribers (a read may outlast them). */
  #isLive(feed: Feed): boolean {
    return this.#feeds.get(`${feed.symbol}\u0000${feed.interval}`) === feed;
  }

  #isOpen(feed: Feed, bucket: number, now: number): boolean {
    return now < bucket + feed.intervalMs + this.#closeGraceMs;
  }

  #scheduleForming(feed: Feed): void {
    if (feed.formingTimer !== undefined) return;
    const dueIn = Math.max(0, feed.lastFormingAt + this.#formingIntervalMs - Date.now());
    feed.formingTimer = setTimeout(() => {
      feed.formingTimer = undefined;
      feed.lastFormingAt = Date.now();
      for (const bucket of [...feed.changed].sort((a, b) => a - b)) {
        const candle = feed.open.get(bucket);
        if (candle === undefined || candle.tradeCount === 0) continue;
        const event = candleEvent(feed, candle, 'forming');
        for (const subscriber of feed.subscribers) subscriber.candle(event);
      }
      feed.changed.clear();
    }, dueIn);
    feed.formingTimer.unref();
  }

  /** Closes each open bucket when its end and the grace have passed: one closed event, once. */
  #scheduleClose(feed: Feed): void {
    clearTimeout(feed.closeTimer);
    feed.closeTimer = undefined;
    if (feed.open.size === 0) return;
    const first = Math.min(...feed.open.keys());
    const dueIn = Math.max(0, first + feed.intervalMs + this.#closeGraceMs - this.#now());
    feed.closeTimer = setTimeout(() => {
      feed.closeTimer = undefined;
      const now = this.#now();
      for (const [bucket, candle] of [...feed.open].sort(([a], [b]) => a - b)) {
        if (this.#isOpen(feed, bucket, now)) continue;
        feed.open.delete(bucket);
        feed.changed.delete(bucket);
        if (candle.tradeCount === 0) continue;
        const event = candleEvent(feed, candle, 'closed');
        for (const subscriber of feed.subscribers) subscriber.candle(event);
      }
      this.#scheduleClose(feed);
    }, dueIn);
    feed.closeTimer.unref();
  }
}

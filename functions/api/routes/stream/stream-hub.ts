import type { Sql } from '../../../../shared/db/client.js';
import type { Logger } from '../../../../shared/logging/logger.js';
import type { CandleInterval } from '../../../../shared/market/interval-grammar.js';
import {
  readCommittedTrades,
  readStreamFrontier,
  type StreamTrade,
} from '../../../../shared/stream/committed-trades.queries.js';
import {
  STREAM_START,
  TRADES_CHANNEL,
  type EventId,
} from '../../../../shared/stream/trade-events.js';
import {
  ALERTS_START,
  readAlertsFrontier,
  readCommittedAlerts,
  type AlertPosition,
  type StreamAlert,
} from '../../../../shared/stream/committed-alerts.queries.js';
import { CandleFeeds, type CandleSubscriber } from './candle-feeds.js';

/** A /stream connection as the hub sees it. */
export interface StreamSubscriber {
  symbols: ReadonlySet<string>;
  /** Its symbols' trades of one read, in stream order, each once. */
  deliver(trades: StreamTrade[]): void;
  /** Its symbols' anomaly events, as they commit (only for a stream that asked for alerts). */
  alerts?(events: StreamAlert[]): void;
}

export interface StreamHubOptions {
  /** The primary: LISTEN (a replica receives no notifications), the frontier, candle totals. */
  sql: Sql;
  /**
   * Where the hub reads the trades it fans out: the read replica while it keeps up. Safe to
   * switch between replica and primary at any read: the cursor is a position in the trades, and
   * a replica behind it answers nothing new until it catches up; replays of single connections
   * read the primary, which holds everything any replica does, so none misses a trade.
   */
  reader?: () => Sql;
  logger: Logger;
  /** Trades read at a time. */
  pageSize?: number;
  /** A read at least this often while anyone listens: xmin also moves without a notification. */
  pollMs?: number;
  /** The clock candle buckets close by. */
  now?: () => number;
  /**
   * Reads at most this often: persist notifies once per commit (hundreds a second under load),
   * and one read per notification would make the database's load follow persist's commits.
   * Waiting up to this long instead gathers them into one read, for every stream at once.
   */
  minReadIntervalMs?: number;
}

/**
 * One per api instance: one LISTEN connection and one reader, whatever the number of streams.
 * Woken by persist's NOTIFY (and a poll), it reads the trades committed since its cursor once and
 * hands each subscriber its symbols' share, in stream order. A subscriber attaches when its own
 * replay has reached the hub's cursor (attachAt), so from then on it receives every trade once.
 */
export class StreamHub {
  readonly #sql: Sql;
  readonly #reader: () => Sql;
  readonly #logger: Logger;
  readonly #pageSize: number;
  readonly #pollMs: number;
  readonly #subscribers = new Set<StreamSubscriber>();
  readonly #candles: CandleFeeds;
  #cursor: EventId = STREAM_START;
  /** Anomaly events ride the same reads (the same NOTIFY wakes them): their own position. */
  #alertCursor: AlertPosition = ALERTS_START;
  #started: Promise<void> | undefined;
  #poll: NodeJS.Timeout | undefined;
  readonly #minReadIntervalMs: number;
  #reading = false;
  #again = false;
  #lastReadAt = 0;
  #delayedRead: NodeJS.Timeout | undefined;
  /** Notifications came while nobody listened, so nothing was read: the cursor may lag. */
  #stale = false;

  constructor({
    sql,
    reader = () => sql,
    logger,
    pageSize = 1_000,
    pollMs = 1_000,
    now = Date.now,
    minReadIntervalMs = 50,
  }: StreamHubOptions) {
    this.#sql = sql;
    this.#reader = reader;
    this.#minReadIntervalMs = minReadIntervalMs;
    this.#logger = logger;
    this.#pageSize = pageSize;
    this.#pollMs = pollMs;
    this.#candles = new CandleFeeds({ sql, now });
  }

  /** Where the live stream stands: every trade up to here has been handed out. */
  get cursor(): EventId {
    return this.#cursor;
  }

  get subscribers(): number {
    return this.#subscribers.size;
  }

  /** Finds where the stream stands and starts listening; once per instance. */
  start(): Promise<void> {
    this.#started ??= (async () => {
      this.#cursor = (await readStreamFrontier(this.#sql)) ?? STREAM_START;
      this.#alertCursor = await readAlertsFrontier(this.#sql);
      await this.#sql
        .listen(TRADES_CHANNEL, () => {
          this.wake();
        })
        .catch((error: unknown) => {
          this.#logger.warn({ err: error }, 'stream: LISTEN failed; reading on the poll alone');
        });
    })().catch((error: unknown) => {
      this.#started = undefined;
      throw error;
    });
    return this.#started;
  }

  /**
   * Attaches `subscriber` if the hub still stands at `position` (where its replay ended), and says
   * whether it did. Synchronous, so no read can slip between the check and the attach.
   */
  attachAt(position: EventId, subscriber: StreamSubscriber): boolean {
    if (position.xid !== this.#cursor.xid || position.seq !== this.#cursor.seq) return false;
    this.#subscribers.add(subscriber);
    this.#poll ??= setInterval(() => {
      this.wake();
    }, this.#pollMs).unref();
    // A read for each stream that attaches: what committed without a notification reaching this
    // instance (a lost one, or one sent before its commit) is found now, not at the next poll,
    // which streams shorter than the poll interval (reconnecting clients) would never see.
    this.wake();
    return true;
  }

  /**
   * Candle events of (symbol, interval) for an attached subscriber: the forming candle as its
   * state stands at the hub's cursor, then every change.
   */
  subscribeCandles(symbol: string, interval: CandleInterval, subscriber: CandleSubscriber): void {
    this.#candles.subscribe(symbol, interval, subscriber);
    if (this.#candles.pending) this.wake();
  }

  unsubscribeCandles(symbol: string, interval: CandleInterval, subscriber: CandleSubscriber): void {
    this.#candles.unsubscribe(symbol, interval, subscriber);
  }

  detach(subscriber: StreamSubscriber): void {
    this.#subscribers.delete(subscriber);
    if (this.#subscribers.size === 0 && this.#poll !== undefined) {
      clearInterval(this.#poll);
      this.#poll = undefined;
    }
  }

  /**
   * Before a new stream takes the hub's cursor: if notifications went unread while no stream was
   * open, the cursor jumps to the newest final trade (nobody waits for what lies between), so the
   * stream does not start from where the last one left.
   */
  async catchUpIfIdle(): Promise<void> {
    if (!this.#stale || this.#subscribers.size > 0 || this.#reading) return;
    const frontier = await readStreamFrontier(this.#sql);
    const alertsFrontier = await readAlertsFrontier(this.#sql);
    // A stream may have attached, or a read begun, during the query: then the cursor is theirs.
    if (!this.#stillIdle()) return;
    if (frontier !== undefined) this.#cursor = frontier;
    this.#alertCursor = alertsFrontier;
    this.#stale = false;
  }

  /**
   * Reads what is new: now, right after the read under way, or once `minReadIntervalMs` has passed
   * since the last one. Nothing while no stream is open (the cursor catches up when one opens).
   */
  wake(): void {
    if (this.#subscribers.size === 0 && !this.#candles.pending) {
      this.#stale = true;
      return;
    }
    if (this.#reading) {
      this.#again = true;
      return;
    }
    if (this.#delayedRead !== undefined) return;
    const waitMs = this.#lastReadAt + this.#minReadIntervalMs - Date.now();
    if (waitMs <= 0) {
      void this.#drain();
      return;
    }
    this.#delayedRead = setTimeout(() => {
      this.#delayedRead = undefined;
      this.wake();
    }, waitMs);
    this.#delayedRead.unref();
  }

  async #drain(): Promise<void> {
    this.#reading = true;
    this.#again = false;
    this.#lastReadAt = Date.now();
    try {
      let page: StreamTrade[];
      do {
        page = await readCommittedTrades(this.#reader(), {
          after: this.#cursor,
          limit: this.#pageSize,
        });
        // Candle totals are read as of the cursor before it moves past the page.
        await this.#candles.prepare(this.#cursor, page);
        const last = page.at(-1);
        if (last !== undefined) {
          this.#cursor = last.id;
          this.#fanOut(page);
          this.#candles.apply(page);
          await this.#candles.reviseChanged(this.#cursor);
        }
      } while (page.length === this.#pageSize);
      await this.#drainAlerts();
    } catch (error) {
      // The next notification or poll tries again from the same cursor: nothing is skipped.
      this.#logger.warn({ err: error }, 'stream: reading new trades failed');
    } finally {
      this.#reading = false;
      // Notified while reading: read again, no sooner than the interval allows.
      if (this.#wokenWhileReading()) this.wake();
    }
  }

  /** Anomaly events committed since the alert cursor, to the streams that asked for them. */
  async #drainAlerts(): Promise<void> {
    let page: StreamAlert[];
    do {
      page = await readCommittedAlerts(this.#sql, {
        after: this.#alertCursor,
        limit: this.#pageSize,
      });
      const last = page.at(-1);
      if (last === undefined) return;
      this.#alertCursor = last.position;
      for (const subscriber of this.#subscribers) {
        if (subscriber.alerts === undefined) continue;
        const mine = page.filter((alert) => subscriber.symbols.has(alert.message.symbol));
        if (mine.length > 0) subscriber.alerts(mine);
      }
    } while (page.length === this.#pageSize);
  }

  /** Whether no stream is attached and no read runs (a method: TypeScript narrows fields). */
  #stillIdle(): boolean {
    return this.#subscribers.size === 0 && !this.#reading;
  }

  /** Whether a wake-up came while reading (a method: TypeScript cannot see wake() set it). */
  #wokenWhileReading(): boolean {
    return this.#again;
  }

  #fanOut(page: StreamTrade[]): void {
    const bySymbol = new Map<string, StreamTrade[]>();
    for (const trade of page) {
      const list = bySymbol.get(trade.symbol);
      if (list === undefined) bySymbol.set(trade.symbol, [trade]);
      else list.push(trade);
    }
    for (const subscriber of this.#subscribers) {
      // One symbol: its list as it is; several: the page filtered, so stream order is kept.
      const trades =
        subscriber.symbols.size === 1
          ? (bySymbol.get(subscriber.symbols.values().next().value ?? '') ?? [])
          : page.filter((trade) => subscriber.symbols.has(trade.symbol));
      if (trades.length > 0) subscriber.deliver(trades);
    }
  }
}

import type { SSEStreamingApi } from 'hono/streaming';
import type { Sql } from '../../../../shared/db/client.js';
import { isoTimestamp } from '../../../../shared/market/timestamp.js';
import { fetchLatestPrices } from '../../../../shared/prices/latest-prices.queries.js';
import {
  readCommittedTrades,
  readStoredAt,
  type StreamTrade,
} from '../../../../shared/stream/committed-trades.queries.js';
import { formatEventId, isAfter, type EventId } from '../../../../shared/stream/trade-events.js';
import type { CandleInterval } from '../../../../shared/market/interval-grammar.js';
import type { CandleSubscriber } from './candle-feeds.js';
import type { StreamHub, StreamSubscriber } from './stream-hub.js';

export type StreamEventType = 'trades' | 'prices' | 'candles' | 'alerts';

/** Positions this old or older are not resumed: the client resyncs through /trades. */
export const RESUME_HORIZON_MS = 24 * 3_600_000;

export interface ClientStreamOptions {
  hub: StreamHub;
  sql: Sql;
  symbols: string[];
  events: ReadonlySet<StreamEventType>;
  /** The candles' interval, when `events` has candles. */
  interval?: CandleInterval | undefined;
  /** Where the client left off (Last-Event-ID), if it did. */
  resumeAfter?: EventId | undefined;
  maxSeconds: number;
  heartbeatMs?: number;
  /** Trades waiting for a slow client, past which it is cut off: its memory never grows. */
  queueLimit?: number;
  /** Price events of a symbol at most this often. */
  priceIntervalMs?: number;
  replayPageSize?: number;
}

/**
 * A trade's event text, made once per trade: the hub hands the same trade objects to every stream
 * of its symbol, and formatting it again for each (60 streams a trade in the stream bench) was the
 * api's largest own cost there, beside the garbage of the copies.
 */
const tradeEvents = new WeakMap<StreamTrade, string>();
const tradeEvent = (trade: StreamTrade) => {
  let text = tradeEvents.get(trade);
  if (text === undefined) {
    text = `event: trade\nid: ${formatEventId(trade.id)}\ndata: ${JSON.stringify({
      trade_id: trade.tradeId,
      symbol: trade.symbol,
      price: trade.price,
      volume: trade.volume,
      timestamp: isoTimestamp(trade.ts.getTime()),
    })}\n\n`;
    tradeEvents.set(trade, text);
  }
  return text;
};

interface Price {
  symbol: string;
  price: string;
  volume: string;
  ts: Date;
  tradeId: string;
}

const priceEvent = (p: Price) =>
  `event: price\ndata: ${JSON.stringify({
    symbol: p.symbol,
    price: p.price,
    volume: p.volume,
    timestamp: isoTimestamp(p.ts.getTime()),
    trade_id: p.tradeId,
  })}\n\n`;

/** Whether `trade` is the symbol's newest: by time, then by arrival, as latest_prices orders. */
const isNewer = (trade: StreamTrade, than: Price | undefined) =>
  than === undefined ||
  trade.ts.getTime() > than.ts.getTime() ||
  (trade.ts.getTime() === than.ts.getTime() && trade.tradeId !== than.tradeId);

/**
 * One /stream connection: where it resumes (every trade after its last id, read from the
 * database up to where the hub stands), then live trades from the hub, price events coalesced,
 * heartbeats, and a clean end before the platform's timeout. Never holds more than `queueLimit`
 * trades for a client that reads too slowly: past it, an `error` event and the end.
 */
export async function runClientStream(
  stream: SSEStreamingApi,
  {
    hub,
    sql,
    symbols,
    events,
    interval,
    resumeAfter,
    maxSeconds,
    heartbeatMs = 15_000,
    queueLimit = 10_000,
    priceIntervalMs = 250,
    replayPageSize = 1_000,
  }: ClientStreamOptions,
): Promise<void> {
  const deadline = Date.now() + maxSeconds * 1_000;
  const queue: StreamTrade[] = [];
  // Rendered candle (and alert) events, bounded like the trades: a feed's events never outpace
  // its trades.
  const candles: string[] = [];
  // Set by callbacks (the hub, an abort): properties, so the loops below re-read them.
  const state = { overflowed: false, aborted: false };
  const aborted = () => state.aborted;
  const overflowed = () => state.overflowed;
  let wakeWriter: (() => void) | undefined;
  const wake = () => {
    wakeWriter?.();
    wakeWriter = undefined;
  };
  let skipThrough: EventId | undefined;
  const subscriber: StreamSubscriber = {
    symbols: new Set(symbols),
    deliver(trades) {
      if (overflowed()) return;
      for (const trade of trades)
        if (skipThrough === undefined || isAfter(trade.id, skipThrough)) queue.push(trade);
      if (queue.length > queueLimit) {
        state.overflowed = true;
        queue.length = 0;
      }
      wake();
    },
  };
  const candleSubscriber: CandleSubscriber = {
    candle(event) {
      if (overflowed()) return;
      candles.push(event);
      if (candles.length > queueLimit) {
        state.overflowed = true;
        candles.length = 0;
      }
      wake();
    },
  };
  if (events.has('alerts'))
    subscriber.alerts = (alerts) => {
      if (overflowed()) return;
      // No id: alerts are live only, and the client's Last-Event-ID stays its trade position.
      for (const { message } of alerts)
        candles.push(`event: alert\ndata: ${JSON.stringify(message)}\n\n`);
      wake();
    };
  const candleInterval = events.has('candles') ? interval : undefined;
  stream.onAbort(() => {
    state.aborted = true;
    wake();
  });

  const sentPrices = new Map<string, Price>();
  const pendingPrices = new Map<string, Price>();
  let pricesFlushedAt = 0;
  const send = async (trades: StreamTrade[]) => {
    let text = '';
    for (const trade of trades) {
      if (events.has('trades')) text += tradeEvent(trade);
      if (
        events.has('prices') &&
        isNewer(trade, pendingPrices.get(trade.symbol) ?? sentPrices.get(trade.symbol))
      )
        pendingPrices.set(trade.symbol, trade);
    }
    if (pendingPrices.size > 0 && Date.now() - pricesFlushedAt >= priceIntervalMs) {
      for (const price of pendingPrices.values()) {
        text += priceEvent(price);
        sentPrices.set(price.symbol, price);
      }
      pendingPrices.clear();
      pricesFlushedAt = Date.now();
    }
    if (text !== '') await stream.write(text);
  };

  try {
    await stream.write('retry: 2000\n\n');
    await hub.start();
    await hub.catchUpIfIdle();
    if (events.has('prices')) {
      const { prices } = await fetchLatestPrices(sql, symbols);
      for (const price of prices) sentPrices.set(price.symbol, price);
      if (prices.length > 0) await stream.write(prices.map(priceEvent).join(''));
      pricesFlushedAt = Date.now();
    }

    let position = hub.cursor;
    if (resumeAfter !== undefined) {
      const storedAt = await readStoredAt(sql, resumeAfter);
      if (storedAt !== undefined && Date.now() - storedAt.getTime() < RESUME_HORIZON_MS)
        position = resumeAfter;
      else
        await stream.writeSSE({
          event: 'reset',
          data: JSON.stringify({
            reason: storedAt === undefined ? 'unknown_event_id' : 'event_id_too_old',
            message:
              'This id cannot be resumed: fetch what you missed from /trades, then follow the stream from here',
            resync: '/trades',
          }),
        });
    }

    // Replay from the database until this connection stands where the hub does, then attach.
    for (;;) {
      if (aborted()) return;
      const target = hub.cursor;
      if (isAfter(position, target)) {
        // Ahead of this instance (its reader lags another's): follow it, skipping what was sent.
        skipThrough = position;
        if (hub.attachAt(target, subscriber)) break;
        continue;
      }
      // Standing where the hub does (a new connection, or a replay that caught up) there is
      // nothing to read: attach now, in the same tick. Reading the empty range anyway let the hub
      // move during the query, the attach fail, and every new connection retry while trades flowed
      // (900 connections took 13–69 s to go live in the stream bench).
      while (isAfter(target, position) && !aborted()) {
        const page = await readCommittedTrades(sql, {
          after: position,
          upTo: target,
          symbols,
          limit: replayPageSize,
        });
        await send(page);
        if (page.length < replayPageSize) break;
        position = page.at(-1)?.id ?? position;
      }
      position = target;
      if (hub.attachAt(target, subscriber)) break;
    }
    if (candleInterval !== undefined)
      for (const symbol of symbols) hub.subscribeCandles(symbol, candleInterval, candleSubscriber);
    // A comment, invisible to EventSource: says from where this connection is live (for people
    // reading a `curl -N`, and for tests that must not publish before it).
    await stream.write(`: live after ${formatEventId(hub.cursor)}\n\n`);

    while (!aborted() && Date.now() < deadline) {
      if (overflowed()) {
        await stream.writeSSE({
          event: 'error',
          data: JSON.stringify({
            error: 'too_slow',
            message: `More than ${queueLimit} trades waited for this client: reconnect with Last-Event-ID to resume`,
          }),
        });
        return;
      }
      if (queue.length > 0 || candles.length > 0) {
        // Trades first: a candle event follows the trades it counts.
        await send(queue.splice(0));
        if (candles.length > 0) await stream.write(candles.splice(0).join(''));
        continue;
      }
      const pricesDueIn =
        pendingPrices.size > 0
          ? Math.max(0, pricesFlushedAt + priceIntervalMs - Date.now())
          : Infinity;
      const waitMs = Math.min(heartbeatMs, pricesDueIn, deadline - Date.now());
      const timedOut = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          resolve(true);
        }, waitMs);
        wakeWriter = () => {
          clearTimeout(timer);
          resolve(false);
        };
      });
      if (!timedOut || aborted()) continue;
      if (pendingPrices.size > 0) await send([]);
      else if (waitMs >= heartbeatMs) await stream.write(': heartbeat\n\n');
    }
    if (!aborted())
      await stream.writeSSE({
        event: 'end',
        data: JSON.stringify({
          reason: 'max_duration',
          message:
            'This stream ends before the platform would cut it: reconnect with Last-Event-ID',
          reconnect: true,
        }),
      });
  } finally {
    hub.detach(subscriber);
    if (candleInterval !== undefined)
      for (const symbol of symbols)
        hub.unsubscribeCandles(symbol, candleInterval, candleSubscriber);
  }
}

import type { EventSourceMessage } from 'eventsource-parser';

/** A stored trade, as `/trades` lists it, plus its symbol. Decimals are exact strings. */
export interface StreamTrade {
  trade_id: string;
  symbol: string;
  price: string;
  volume: string;
  timestamp: string;
}

/** A symbol's latest price when it moves (coalesced by the api, at most a few a second). */
export interface StreamPrice {
  symbol: string;
  price: string;
  volume: string;
  timestamp: string;
  trade_id: string;
}

/**
 * A candle of `interval` (`events=candles`), the `/candles` item plus symbol, interval and state:
 * forming (`closed: false`), closed once two seconds after its bucket ends, `revised` when a late
 * trade changed one already closed (the numbers `/candles` then answers). Candle events carry no
 * id: resuming replays trades, then the forming candle is sent afresh.
 */
export interface StreamCandle {
  symbol: string;
  interval: string;
  /** The bucket's start, UTC ISO 8601. */
  timestamp: string;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  vwap: string;
  trade_count: number;
  closed: boolean;
  revised: boolean;
}

/** The id cannot be resumed (unknown, or older than 24 h): resync through `/trades`. */
export interface StreamReset {
  reason: 'unknown_event_id' | 'event_id_too_old' | (string & {});
  message: string;
  resync: string;
}

/** The api cut the stream off (`too_slow`: the client read too slowly); the client resumes. */
export interface StreamFailure {
  error: 'too_slow' | (string & {});
  message: string;
}

/** The stream ends before the platform's request timeout; the client reconnects at once. */
export interface StreamEnd {
  reason: 'max_duration' | (string & {});
  message: string;
  reconnect: boolean;
}

/**
 * An anomaly of the symbols as it is recorded (`events=alerts`): the alerts topic's message
 * (shared/alerts/alert-message.ts). Live only: alert events carry no id and are not replayed.
 */
export interface StreamAlert {
  anomalyId: string;
  event: 'detected' | 'recovered' | (string & {});
  symbol: string;
  kind: string;
  severity: 'warning' | 'critical' | (string & {});
  /** When it was detected (for `recovered`: when it closed), UTC ISO 8601. */
  at: string;
  observed: string;
  threshold: string;
  unit: string;
  tradeId: string | null;
  /** The candle bucket start of a per-candle rule, and its interval, else null. */
  bucket: string | null;
  interval: string | null;
  summary: string;
}

/** What `subscribe` hands to `onEvent`; `id` is the SSE event id when the api sent one. */
export type StreamEvent =
  | { type: 'trade'; id: string; data: StreamTrade }
  | { type: 'price'; id?: string; data: StreamPrice }
  | { type: 'candle'; id?: string; data: StreamCandle }
  | { type: 'reset'; id?: string; data: StreamReset }
  | { type: 'error'; id?: string; data: StreamFailure }
  | { type: 'end'; id?: string; data: StreamEnd }
  | { type: 'alert'; id?: string; data: StreamAlert };

export type StreamEventType = StreamEvent['type'];

const TYPES = new Set<string>(['trade', 'price', 'candle', 'reset', 'error', 'end', 'alert']);

/**
 * The typed event of an SSE message, or undefined for an event type this client does not know (a
 * newer api may add some: skipped, as an EventSource skips events nobody listens to).
 *
 * @throws SyntaxError when the data is not JSON.
 */
export function toStreamEvent(message: EventSourceMessage): StreamEvent | undefined {
  const type = message.event ?? 'message';
  if (!TYPES.has(type)) return undefined;
  // The api's documented payloads (stream.routes.ts); not validated field by field, as /stream is
  // the api's own output and the REST types are not validated either.
  const data = JSON.parse(message.data) as never;
  return (
    message.id === undefined ? { type, data } : { type, id: message.id, data }
  ) as StreamEvent;
}

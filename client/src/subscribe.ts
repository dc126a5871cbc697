import { reconnectDelay, type BackoffOptions } from './backoff.js';
import { MarketDataError } from './errors.js';
import { runConnection, type ConnectionState } from './stream-connection.js';
import type { StreamEvent } from './stream-events.js';

/** What to stream: GET /stream's parameters. */
export interface SubscribeParams {
  symbols: readonly string[];
  /** `trades` (the api's default), `prices`, `candles`. */
  events?: readonly ('trades' | 'prices' | 'candles' | 'alerts')[];
  /** The candles' interval, e.g. `1m`. */
  interval?: string;
  /** Resume after this id (one saved from `Subscription.lastEventId`, e.g. before a restart). */
  lastEventId?: string;
}

export interface SubscribeOptions extends BackoffOptions {
  /**
   * The subscription stopped for good: the api refused it with a 4xx other than 429 (an unknown
   * symbol, a bad parameter, a missing key…), answered something that is not an event stream, or
   * `onEvent` threw. Called once; no retries follow.
   */
  onError?: (error: MarketDataError) => void;
  /** Before each reconnect: why, after how many failures, and how long the wait is. */
  onReconnect?: (info: ReconnectInfo) => void;
  /** Each time a connection is open (the api answered with an event stream): live again. */
  onOpen?: () => void;
  /** A connection with no byte for this long is replaced (default 45,000 ms; heartbeats are 15 s). */
  idleTimeoutMs?: number;
  /** Aborting it closes the subscription, like `close()`. */
  signal?: AbortSignal;
}

export interface ReconnectInfo {
  reason: 'end' | 'closed' | 'network' | 'idle' | 'status';
  /** Failed attempts in a row before this one (0 after an `end` or a connection that was open). */
  attempt: number;
  delayMs: number;
  /** The failure, for `network` and `status` (a MarketDataError for `status`). */
  error?: unknown;
}

/** A running subscription. */
export interface Subscription {
  /** Stops reading, reconnecting and waiting, at once; no event is delivered after it returns. */
  close(): void;
  /** The id of the last event handled: where a reconnect resumes. */
  readonly lastEventId: string | undefined;
  /** Resolves once the subscription has stopped, after `close()` or a fatal error. */
  readonly closed: Promise<void>;
}

/** Where a subscription connects: the client's base URL, its headers and its fetch. */
export interface StreamTarget {
  baseUrl: string;
  headers: Record<string, string>;
  fetch: typeof globalThis.fetch;
}

/** An `end` reconnects at once, unless the stream it ends lasted less than this (a loop guard). */
const MIN_STREAM_MS_FOR_IMMEDIATE_RECONNECT = 500;

function streamUrl(baseUrl: string, { symbols, events, interval }: SubscribeParams): string {
  const query = new URLSearchParams({ symbols: symbols.join(',') });
  if (events !== undefined) query.set('events', events.join(','));
  if (interval !== undefined) query.set('interval', interval);
  // The key and the resume position travel in headers, never in the URL (access logs keep URLs).
  return `${baseUrl.replace(/\/+$/, '')}/stream?${query.toString()}`;
}

/**
 * Follows GET /stream until closed: resumes from the last id after any interruption (none missed,
 * none twice, the api guarantees), at once after the api's `end`, after a backoff otherwise.
 */
export function subscribe(
  target: StreamTarget,
  params: SubscribeParams,
  onEvent: (event: StreamEvent) => void | Promise<void>,
  {
    onError,
    onReconnect,
    onOpen,
    idleTimeoutMs = 45_000,
    signal,
    initialDelayMs = 1_000,
    maxDelayMs = 30_000,
    random,
  }: SubscribeOptions = {},
): Subscription {
  const stop = new AbortController();
  let wakeSleeper: (() => void) | undefined;
  let failures = 0;
  const state: ConnectionState = {
    url: streamUrl(target.baseUrl, params),
    headers: target.headers,
    fetch: target.fetch,
    signal: stop.signal,
    idleTimeoutMs,
    onEvent,
    lastEventId: params.lastEventId,
    retryMs: undefined,
    onOpen: () => {
      failures = 0;
      onOpen?.();
    },
  };
  const close = () => {
    stop.abort();
    wakeSleeper?.();
  };
  signal?.addEventListener('abort', close);
  if (signal?.aborted === true) close();

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        wakeSleeper = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      wakeSleeper = done;
    });

  // A function, so each check re-reads the signal that close() aborts meanwhile.
  const stopped = () => stop.signal.aborted;
  const run = async () => {
    while (!stopped()) {
      const outcome = await runConnection(state);
      if (outcome.kind === 'stopped' || stopped()) return;
      if (outcome.kind === 'fatal') {
        stop.abort();
        onError?.(outcome.error);
        return;
      }
      const immediate =
        outcome.kind === 'end' && outcome.lastedMs >= MIN_STREAM_MS_FOR_IMMEDIATE_RECONNECT;
      const attempt = failures;
      const delayMs = immediate
        ? 0
        : reconnectDelay(failures++, {
            baseMs: state.retryMs ?? initialDelayMs,
            maxDelayMs,
            ...(outcome.kind === 'retry' && outcome.retryAfterMs !== undefined
              ? { retryAfterMs: outcome.retryAfterMs }
              : {}),
            ...(random === undefined ? {} : { random }),
          });
      onReconnect?.({
        reason: outcome.kind === 'end' ? 'end' : outcome.reason,
        attempt,
        delayMs,
        ...(outcome.kind === 'retry' && outcome.error !== undefined
          ? { error: outcome.error }
          : {}),
      });
      if (delayMs > 0) await sleep(delayMs);
    }
  };

  const closed = run()
    .catch((error: unknown) => {
      // A bug of this client, not the api's answer: reported like any fatal error, never thrown
      // into a promise nobody awaits.
      onError?.(
        new MarketDataError({
          status: 0,
          code: 'unexpected_response',
          message: 'The subscription failed',
          cause: error,
        }),
      );
    })
    .finally(() => {
      stop.abort();
      signal?.removeEventListener('abort', close);
    });

  return {
    close,
    get lastEventId() {
      return state.lastEventId;
    },
    closed,
  };
}

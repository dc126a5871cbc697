import type { MarketDataClient } from '../../client/src/index.js';

type Freshness = 'ok' | 'stale' | 'no_data';

/** While stale or without data, trades on the stream ask /status/ingestion at most this often. */
const RECHECK_AFTER_TRADE_MS = 2_000;

/** A fresh symbol is asked about again this long after it would turn stale (clock skew, latency). */
const STALE_MARGIN_MS = 500;

export interface FreshnessBadge {
  /** A trade of the symbol came on the stream (its time, ISO 8601 UTC). */
  tradeSeen(timestamp: string): void;
  /** The stream came back after a break: what it missed may have changed the answer. */
  recheck(): void;
  close(): void;
}

/**
 * The symbol's ingestion status from /status/ingestion (fresh, stale, no data), kept current
 * without polling: a fresh symbol is asked about again only when, with no newer trade seen on the
 * stream, it would turn stale; a stale one, or one without data, when a trade of it arrives.
 */
export function followFreshness(
  client: MarketDataClient,
  symbol: string,
  badge: HTMLElement,
  onError: (error: unknown) => void,
): FreshnessBadge {
  let closed = false;
  let status: Freshness | undefined;
  let staleAfterMs = 0;
  /** The newest trade time known, from /status/ingestion or the stream (ms since the epoch). */
  let lastTradeMs = Number.NEGATIVE_INFINITY;
  let asking = false;
  /** A trade came while asking: the answer on its way may predate it. */
  let askAgain = false;
  /** When a trade last made the badge ask: a run of trades asks once per RECHECK_AFTER_TRADE_MS. */
  let askedForTradeAt = Number.NEGATIVE_INFINITY;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let tradeTimer: ReturnType<typeof setTimeout> | undefined;

  const show = (next: Freshness) => {
    status = next;
    badge.textContent = next === 'ok' ? 'fresh' : next.replace('_', ' ');
    badge.dataset['status'] = next;
    badge.title = `ingestion of ${symbol}: ${badge.textContent}`;
  };

  /** Wakes when the newest trade known would be stale; a newer one seen by then moves the wake. */
  const wakeWhenStale = () => {
    clearTimeout(timer);
    const dueIn = lastTradeMs + staleAfterMs + STALE_MARGIN_MS - Date.now();
    timer = setTimeout(
      () => {
        timer = undefined;
        if (lastTradeMs + staleAfterMs > Date.now()) wakeWhenStale();
        else ask();
      },
      Math.max(0, dueIn),
    );
  };

  async function read() {
    const { data } = await client.GET('/status/ingestion');
    if (closed) return;
    const entry = data.symbols.find((s) => s.symbol === symbol);
    staleAfterMs = data.stale_after_seconds * 1000;
    if (entry?.last_trade_at != null)
      lastTradeMs = Math.max(lastTradeMs, Date.parse(entry.last_trade_at));
    show(entry?.status ?? 'no_data');
    if (status === 'ok') wakeWhenStale();
  }

  function ask() {
    if (closed) return;
    if (asking) {
      askAgain = true;
      return;
    }
    asking = true;
    askAgain = false;
    read()
      .catch(onError)
      .finally(() => {
        asking = false;
        if (askAgain && status !== 'ok') afterTrade();
      });
  }

  /** A trade while not fresh: ask now, or once the last question is old enough. */
  function afterTrade() {
    if (tradeTimer !== undefined) return;
    tradeTimer = setTimeout(
      () => {
        tradeTimer = undefined;
        askedForTradeAt = Date.now();
        ask();
      },
      Math.max(0, askedForTradeAt + RECHECK_AFTER_TRADE_MS - Date.now()),
    );
  }

  ask();
  return {
    tradeSeen(timestamp) {
      lastTradeMs = Math.max(lastTradeMs, Date.parse(timestamp));
      if (status === 'ok') return;
      if (asking) askAgain = true;
      else afterTrade();
    },
    recheck: ask,
    close() {
      closed = true;
      clearTimeout(timer);
      clearTimeout(tradeTimer);
    },
  };
}

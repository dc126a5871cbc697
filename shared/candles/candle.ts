/**
 * A candle as the platform serves it: the bucket's start (UTC ISO 8601) and its OHLCV, vwap and
 * trade count, the decimals exact strings without trailing zeros. Keys in the order the api prints
 * them, so `JSON.stringify(candle)` is the served text.
 */
export interface Candle {
  timestamp: string;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  vwap: string;
  trade_count: number;
}

/** Candles of one symbol and interval over [startMs, endMs). */
export interface CandleRequest {
  symbol: string;
  intervalMs: number;
  startMs: number;
  endMs: number;
  /** As of (epoch ms): only trades stored by then count, and nothing stored is read. */
  knownAtMs?: number | undefined;
}

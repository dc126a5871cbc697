import type { AnomalyDraft } from './anomaly-draft.js';
import { decimalOf, severityOf, type AlertThresholds } from './alert-rules.js';

/** The trailing window of the per-trade rules: the minute before a trade... */
export const TRAILING_WINDOW_MS = 60_000;
/** ...at most its last this many trades, so a busy symbol costs persist a bounded read. */
export const TRAILING_MAX_TRADES = 200;
/** Fewer trades than this in the window say too little for an average to judge by. */
export const MIN_TRAILING_TRADES = 5;

/** A trade as the per-trade rules read it. */
export interface RuleTrade {
  tradeId: string;
  price: number;
  volume: number;
  tsMs: number;
}

export interface SymbolTrades {
  symbol: string;
  thresholds: AlertThresholds;
  /** The stored trade just before the batch's first of this symbol, if any. */
  previous: RuleTrade | undefined;
  /** Stored trades of the window before the batch's first, oldest first. */
  trailing: RuleTrade[];
  /** The batch's trades of this symbol in time order (ts, then message order). */
  trades: RuleTrade[];
}

/**
 * price_spike and volume_spike over one symbol's trades of a batch: each new trade against the
 * trade before it and the trailing window (the minute before it, at most TRAILING_MAX_TRADES
 * trades) of stored and batch trades. One anomaly per rule and trade: the larger of the two price
 * deviations is the observed value.
 */
export function detectTradeAnomalies(input: SymbolTrades): AnomalyDraft[] {
  const { symbol, thresholds } = input;
  const window = new TrailingWindow(input.trailing);
  const drafts: AnomalyDraft[] = [];
  let previous = input.previous;
  for (const trade of input.trades) {
    window.slideTo(trade.tsMs);
    const price = priceSpike(symbol, trade, previous, window, thresholds.priceSpikePercent);
    if (price !== undefined) drafts.push(price);
    const volume = volumeSpike(symbol, trade, window, thresholds.volumeSpikeRatio);
    if (volume !== undefined) drafts.push(volume);
    window.push(trade);
    previous = trade;
  }
  return drafts;
}

function priceSpike(
  symbol: string,
  trade: RuleTrade,
  previous: RuleTrade | undefined,
  window: TrailingWindow,
  threshold: number,
): AnomalyDraft | undefined {
  // Computed without allocating: this runs for every trade persist stores.
  const fromPrevious = previous === undefined ? -1 : percentAway(trade.price, previous.price);
  const vwap = window.vwap();
  const fromVwap = vwap === undefined ? -1 : percentAway(trade.price, vwap);
  const percent = Math.max(fromPrevious, fromVwap);
  if (!(percent > threshold)) return undefined;
  const against =
    fromVwap >= fromPrevious && vwap !== undefined
      ? `the trailing 1m VWAP (${decimalOf(vwap, 8)})`
      : `the previous trade (${String(previous?.price)})`;
  return {
    symbol,
    kind: 'price_spike',
    severity: severityOf(percent, threshold),
    tradeId: trade.tradeId,
    interval: null,
    bucketMs: null,
    openedAtMs: null,
    observed: decimalOf(percent),
    threshold: decimalOf(threshold),
    unit: 'percent',
    summary: `${symbol} trade at ${trade.price} is ${decimalOf(percent, 2)} % from ${against}; threshold ${decimalOf(threshold)} %`,
  };
}

function volumeSpike(
  symbol: string,
  trade: RuleTrade,
  window: TrailingWindow,
  threshold: number,
): AnomalyDraft | undefined {
  const average = window.averageVolume();
  if (average === undefined) return undefined;
  const ratio = trade.volume / average;
  if (!(ratio > threshold)) return undefined;
  return {
    symbol,
    kind: 'volume_spike',
    severity: severityOf(ratio, threshold),
    tradeId: trade.tradeId,
    interval: null,
    bucketMs: null,
    openedAtMs: null,
    observed: decimalOf(ratio),
    threshold: decimalOf(threshold),
    unit: 'ratio',
    summary: `${symbol} trade of volume ${trade.volume} is ${decimalOf(ratio, 2)}x the trailing 1m average (${decimalOf(average, 2)}); threshold ${decimalOf(threshold)}x`,
  };
}

const percentAway = (price: number, reference: number) =>
  (Math.abs(price - reference) / reference) * 100;

/** The trades of the last TRAILING_WINDOW_MS (at most TRAILING_MAX_TRADES), with running sums. */
class TrailingWindow {
  readonly #trades: RuleTrade[] = [];
  #head = 0;
  #priceVolume = 0;
  #volume = 0;

  constructor(trades: RuleTrade[]) {
    for (const trade of trades) this.push(trade);
  }

  get size(): number {
    return this.#trades.length - this.#head;
  }

  push(trade: RuleTrade): void {
    this.#trades.push(trade);
    this.#priceVolume += trade.price * trade.volume;
    this.#volume += trade.volume;
    while (this.size > TRAILING_MAX_TRADES) this.#dropOldest();
  }

  /** Leaves the trades of the minute before `tsMs`. */
  slideTo(tsMs: number): void {
    while (
      this.size > 0 &&
      (this.#trades[this.#head] as RuleTrade).tsMs < tsMs - TRAILING_WINDOW_MS
    )
      this.#dropOldest();
  }

  vwap(): number | undefined {
    return this.size >= MIN_TRAILING_TRADES && this.#volume > 0
      ? this.#priceVolume / this.#volume
      : undefined;
  }

  averageVolume(): number | undefined {
    return this.size >= MIN_TRAILING_TRADES ? this.#volume / this.size : undefined;
  }

  #dropOldest(): void {
    const oldest = this.#trades[this.#head++] as RuleTrade;
    this.#priceVolume -= oldest.price * oldest.volume;
    this.#volume -= oldest.volume;
    // Sums of floats drift as trades come and go: start again from the trades when emptied.
    if (this.size === 0) {
      this.#priceVolume = 0;
      this.#volume = 0;
    }
  }
}

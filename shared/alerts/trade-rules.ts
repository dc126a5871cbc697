import type { AnomalyDraft } from './anomaly-draft.js';
import { decimalOf, severityOf, type AlertThresholds } from './alert-rules.js';

/** The trailing window of the per-trade rules: the minute before a trade... */
export const TRAILING_WINDOW_MS = 60_000;
/** ...at most its last this many trades, so a busy symbol costs persist a bounded read. */
export const TRAILING_MAX_TRADES = 200;
/** Fewer trades than this in the window say too little for an average to judge by. */
export const MIN_TRAILING_TRADES = 5;

/**
 * Trades as columns, oldest first: persist judges every trade it stores, and an object per trade
 * cost it more than the rules themselves.
 */
export interface TradeSeries {
  price: Float64Array;
  volume: Float64Array;
  tsMs: Float64Array;
}

export interface SymbolTrades {
  symbol: string;
  thresholds: AlertThresholds;
  /** The price of the stored trade just before the batch's first of this symbol, if any. */
  previousPrice: number | undefined;
  /**
   * The stored trades of the window before the batch's first (the first `trailingCount`), then the
   * batch's trades of this symbol in time order (ts, then message order).
   */
  series: TradeSeries;
  trailingCount: number;
  /** The id of the batch's trade at `index` of the series (trailingCount and after). */
  tradeIdAt(index: number): string;
}

/**
 * price_spike and volume_spike over one symbol's trades of a batch: each new trade against the
 * trade before it and the trailing window (the minute before it, at most TRAILING_MAX_TRADES
 * trades) of stored and batch trades. One anomaly per rule and trade: the larger of the two price
 * deviations is the observed value.
 */
export function detectTradeAnomalies(input: SymbolTrades): AnomalyDraft[] {
  const { symbol, thresholds, series, trailingCount } = input;
  const window = new TrailingWindow(series);
  for (let i = 0; i < trailingCount; i++) window.takeNext();
  const drafts: AnomalyDraft[] = [];
  let previousPrice = input.previousPrice;
  for (let i = trailingCount; i < series.price.length; i++) {
    window.slideTo(series.tsMs[i] as number);
    const price = series.price[i] as number;
    // Only an anomaly names its trade: the id is looked up then, not for every trade.
    const priceDraft = priceSpike(
      symbol,
      price,
      previousPrice,
      window,
      thresholds.priceSpikePercent,
    );
    if (priceDraft !== undefined) drafts.push({ ...priceDraft, tradeId: input.tradeIdAt(i) });
    const volume = series.volume[i] as number;
    const volumeDraft = volumeSpike(symbol, volume, window, thresholds.volumeSpikeRatio);
    if (volumeDraft !== undefined) drafts.push({ ...volumeDraft, tradeId: input.tradeIdAt(i) });
    window.takeNext();
    previousPrice = price;
  }
  return drafts;
}

function priceSpike(
  symbol: string,
  price: number,
  previousPrice: number | undefined,
  window: TrailingWindow,
  threshold: number,
): AnomalyDraft | undefined {
  // Computed without allocating: this runs for every trade persist stores.
  const fromPrevious = previousPrice === undefined ? -1 : percentAway(price, previousPrice);
  const vwap = window.vwap();
  const fromVwap = vwap === undefined ? -1 : percentAway(price, vwap);
  const percent = Math.max(fromPrevious, fromVwap);
  if (!(percent > threshold)) return undefined;
  const against =
    fromVwap >= fromPrevious && vwap !== undefined
      ? `the trailing 1m VWAP (${decimalOf(vwap, 8)})`
      : `the previous trade (${String(previousPrice)})`;
  return {
    symbol,
    kind: 'price_spike',
    severity: severityOf(percent, threshold),
    tradeId: null,
    interval: null,
    bucketMs: null,
    openedAtMs: null,
    observed: decimalOf(percent),
    threshold: decimalOf(threshold),
    unit: 'percent',
    summary: `${symbol} trade at ${price} is ${decimalOf(percent, 2)} % from ${against}; threshold ${decimalOf(threshold)} %`,
  };
}

function volumeSpike(
  symbol: string,
  volume: number,
  window: TrailingWindow,
  threshold: number,
): AnomalyDraft | undefined {
  const average = window.averageVolume();
  if (average === undefined) return undefined;
  const ratio = volume / average;
  if (!(ratio > threshold)) return undefined;
  return {
    symbol,
    kind: 'volume_spike',
    severity: severityOf(ratio, threshold),
    tradeId: null,
    interval: null,
    bucketMs: null,
    openedAtMs: null,
    observed: decimalOf(ratio),
    threshold: decimalOf(threshold),
    unit: 'ratio',
    summary: `${symbol} trade of volume ${volume} is ${decimalOf(ratio, 2)}x the trailing 1m average (${decimalOf(average, 2)}); threshold ${decimalOf(threshold)}x`,
  };
}

const percentAway = (price: number, reference: number) =>
  (Math.abs(price - reference) / reference) * 100;

/**
 * A stretch of a series, [head, tail): the trades of the last TRAILING_WINDOW_MS (at most
 * TRAILING_MAX_TRADES), with running sums.
 */
class TrailingWindow {
  readonly #series: TradeSeries;
  #head = 0;
  #tail = 0;
  #priceVolume = 0;
  #volume = 0;

  constructor(series: TradeSeries) {
    this.#series = series;
  }

  get size(): number {
    return this.#tail - this.#head;
  }

  /** Takes the series' next trade in. */
  takeNext(): void {
    const i = this.#tail++;
    const volume = this.#series.volume[i] as number;
    this.#priceVolume += (this.#series.price[i] as number) * volume;
    this.#volume += volume;
    while (this.size > TRAILING_MAX_TRADES) this.#dropOldest();
  }

  /** Leaves the trades of the minute before `tsMs`. */
  slideTo(tsMs: number): void {
    while (this.size > 0 && (this.#series.tsMs[this.#head] as number) < tsMs - TRAILING_WINDOW_MS)
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
    const i = this.#head++;
    const volume = this.#series.volume[i] as number;
    this.#priceVolume -= (this.#series.price[i] as number) * volume;
    this.#volume -= volume;
    // Sums of floats drift as trades come and go: start again from the trades when emptied.
    if (this.size === 0) {
      this.#priceVolume = 0;
      this.#volume = 0;
    }
  }
}

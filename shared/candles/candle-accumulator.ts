import { isoTimestamp } from '../market/timestamp.js';
import type { Candle } from './candle.js';

/** Prices and volumes have at most 8 decimals (shared/market/decimal.ts): integers of 1e-8. */
const SCALE_DIGITS = 8;
const SCALE = 10n ** BigInt(SCALE_DIGITS);
/**
 * PostgreSQL computes vwap as round(Σpv::numeric(1000, 30) / Σv, 8): the quotient rounded half up
 * to 30 decimals (the dividend's scale, which its division keeps), then to 8. Σpv has 16 decimals
 * and Σv 8, so the quotient scaled by 1e30 is Σpv·1e22 / Σv (both as integers).
 */
const QUOTIENT_SHIFT = 10n ** 22n;

/** A decimal text as an integer count of 10^-digits (digits past those are dropped). */
function scaled(text: string, digits: number): bigint {
  const [whole = '0', fraction = ''] = text.split('.');
  return (
    BigInt(whole) * 10n ** BigInt(digits) + BigInt(fraction.padEnd(digits, '0').slice(0, digits))
  );
}

/** A decimal text of at most 8 decimals as an integer count of 1e-8. */
export function toUnits(text: string): bigint {
  return scaled(text, SCALE_DIGITS);
}

/** An integer count of 1e-8 as PostgreSQL's trim_scale prints it: no trailing zeros. */
export function fromUnits(units: bigint): string {
  const whole = units / SCALE;
  const fraction = (units % SCALE).toString().padStart(SCALE_DIGITS, '0').replace(/0+$/, '');
  return fraction === '' ? whole.toString() : `${whole}.${fraction}`;
}

/** a / b rounded half up, for positive integers. */
const divideHalfUp = (a: bigint, b: bigint) => (2n * a + b) / (2n * b);

/** A price where trades are ordered: by time (µs, as stored), then arrival (open: first). */
export interface OrderedPrice {
  price: string;
  tsMicros: bigint;
  seq: bigint;
}

/** A trade as a candle needs it. */
export interface CandleTrade extends OrderedPrice {
  volume: string;
}

/** What a bucket's trades add up to, as the snapshot query reads them from the database. */
export interface CandleTotals {
  open: OrderedPrice;
  close: OrderedPrice;
  high: string;
  low: string;
  volume: string;
  /** Σ price·volume, exact (16 decimals at most). */
  priceVolume: string;
  tradeCount: number;
}

const before = (a: OrderedPrice, b: OrderedPrice) =>
  a.tsMicros < b.tsMicros || (a.tsMicros === b.tsMicros && a.seq < b.seq);

/**
 * One bucket's candle kept exact as trades arrive in any order: the same numbers the database's
 * aggregation (aggregate-trades.ts) gives for the same trades, without reading them again.
 */
export class CandleAccumulator {
  #open: OrderedPrice | undefined;
  #close: OrderedPrice | undefined;
  #high = 0n;
  #low = 0n;
  #volume = 0n;
  /** Σ price·volume in 1e-16. */
  #priceVolume = 0n;
  #count = 0;

  constructor(readonly bucketMs: number) {}

  static from(bucketMs: number, totals: CandleTotals | undefined): CandleAccumulator {
    const candle = new CandleAccumulator(bucketMs);
    if (totals === undefined || totals.tradeCount === 0) return candle;
    candle.#open = totals.open;
    candle.#close = totals.close;
    candle.#high = toUnits(totals.high);
    candle.#low = toUnits(totals.low);
    candle.#volume = toUnits(totals.volume);
    candle.#priceVolume = scaled(totals.priceVolume, 2 * SCALE_DIGITS);
    candle.#count = totals.tradeCount;
    return candle;
  }

  get tradeCount(): number {
    return this.#count;
  }

  add(trade: CandleTrade): void {
    const price = toUnits(trade.price);
    const volume = toUnits(trade.volume);
    if (this.#open === undefined || before(trade, this.#open)) this.#open = trade;
    if (this.#close === undefined || before(this.#close, trade)) this.#close = trade;
    if (this.#count === 0 || price > this.#high) this.#high = price;
    if (this.#count === 0 || price < this.#low) this.#low = price;
    this.#volume += volume;
    this.#priceVolume += price * volume;
    this.#count++;
  }

  /** The candle as /candles serves it; undefined while the bucket has no trade. */
  candle(): Candle | undefined {
    if (this.#open === undefined || this.#close === undefined || this.#volume === 0n)
      return undefined;
    const quotient30 = divideHalfUp(this.#priceVolume * QUOTIENT_SHIFT, this.#volume);
    return {
      timestamp: isoTimestamp(this.bucketMs),
      open: fromUnits(toUnits(this.#open.price)),
      high: fromUnits(this.#high),
      low: fromUnits(this.#low),
      close: fromUnits(toUnits(this.#close.price)),
      volume: fromUnits(this.#volume),
      vwap: fromUnits(divideHalfUp(quotient30, QUOTIENT_SHIFT)),
      trade_count: this.#count,
    };
  }
}

import { seededUniforms } from './seeded-random.js';
import { tradeIdFor } from './trade-id.js';

/** No step moves the price by more than this fraction. */
export const MAX_STEP = 0.02;
/** Typical size of a step: a realistic 3-second move, so a few minutes' gap moves the price by well under 1%. */
const STEP_SIGMA = 0.002;
const MIN_VOLUME = 1_000;
const MAX_VOLUME = 100_000;

export interface GeneratedTrade {
  trade_id: string;
  symbol: string;
  price: string;
  volume: string;
  ts: string;
}

/** Prices of a dollar or more move in cents; below that, in the database's 8 decimal places. */
function decimalsFor(price: number): number {
  return price >= 1 ? 2 : 8;
}

/**
 * The relative move for (symbol, timestamp): roughly normal (sum of four uniforms, which needs
 * no transcendental function and so is bit-identical everywhere), clamped to ±MAX_STEP.
 */
export function stepFor(
  seed: string,
  symbol: string,
  timestampMs: number,
): { step: number; volume: number } {
  const [a = 0, b = 0, c = 0, d = 0, v = 0] = seededUniforms(seed, symbol, timestampMs);
  const unitNormal = (a + b + c + d - 2) * Math.sqrt(3);
  const step = Math.max(-MAX_STEP, Math.min(MAX_STEP, unitNormal * STEP_SIGMA));
  const volume = MIN_VOLUME + Math.floor(v * (MAX_VOLUME - MIN_VOLUME + 1));
  return { step, volume };
}

/** The first price of a symbol that has never traded: between 100 and 500, fixed by the seed. */
export function initialPrice(seed: string, symbol: string): string {
  const [u = 0] = seededUniforms(seed, symbol, 'initial');
  return (100 + u * 400).toFixed(2);
}

/**
 * Applies `step` to `previous` and rounds to the price's tick, never moving further than
 * MAX_STEP (rounding is pulled back toward the previous price) and never reaching zero.
 */
export function applyStep(previous: string, step: number): string {
  const from = Number(previous);
  const decimals = decimalsFor(from);
  const tick = 10 ** -decimals;
  const limit = from * MAX_STEP;
  let next = Math.round((from * (1 + step)) / tick) * tick;
  if (next - from > limit) next -= tick;
  if (from - next > limit) next += tick;
  next = Math.max(next, tick);
  return next.toFixed(decimals);
}

/** A jump (INGEST_SPIKE_EVERY_N_TRADES) moves the price by this fraction, up or down... */
export const JUMP = 0.08;
/** ...and trades this many times the slot's volume. */
export const JUMP_VOLUME_FACTOR = 8;

/** The price a jump of sign `up` leads to from `previous`, on the price's tick, never zero. */
export function applyJump(previous: string, up: boolean): string {
  const from = Number(previous);
  const decimals = decimalsFor(from);
  const tick = 10 ** -decimals;
  const next = Math.round((from * (1 + (up ? JUMP : -JUMP))) / tick) * tick;
  return Math.max(next, tick).toFixed(decimals);
}

export interface WalkRequest {
  seed: string;
  symbol: string;
  /** The newest stored trade of the symbol, if it has any. */
  last?: { price: string; timestampMs: number } | undefined;
  /** Trades are generated for slots up to and including this instant. */
  untilMs: number;
  intervalMs: number;
  maxTrades: number;
  /** A gap longer than this is not backfilled: the series resumes this far back from `untilMs`. */
  maxBackfillMs: number;
  /**
   * Every this many slots (counted from the epoch, so the same slots whatever the runs), the price
   * jumps by JUMP and the volume by JUMP_VOLUME_FACTOR: anomalies to see in a local run. 0: never.
   */
  jumpEvery?: number | undefined;
}

/**
 * The trades due for one symbol: one every `intervalMs` after its last stored trade, up to
 * `untilMs`, at most `maxTrades`. Each price follows from the previous one and the seeded step
 * for its slot, so two runs that start from the same stored trade produce identical trades.
 */
export function generateTrades(request: WalkRequest): GeneratedTrade[] {
  const { seed, symbol, last, untilMs, intervalMs, maxTrades, maxBackfillMs } = request;
  const jumpEvery = request.jumpEvery ?? 0;
  const isJump = (at: number) => jumpEvery > 0 && Math.floor(at / intervalMs) % jumpEvery === 0;
  const next = (previous: string, at: number) => {
    const { step } = stepFor(seed, symbol, at);
    return isJump(at) ? applyJump(previous, step >= 0) : applyStep(previous, step);
  };
  let slot: number;
  let price: string;
  if (last === undefined) {
    slot = Math.floor(untilMs / intervalMs) * intervalMs;
    price = initialPrice(seed, symbol);
  } else {
    slot = last.timestampMs + intervalMs;
    const oldestBackfilled = untilMs - maxBackfillMs;
    if (slot < oldestBackfilled) {
      // Stay on the symbol's own grid so trade ids stay aligned with its earlier trades.
      slot += Math.ceil((oldestBackfilled - slot) / intervalMs) * intervalMs;
    }
    price = next(last.price, slot);
  }
  const trades: GeneratedTrade[] = [];
  while (slot <= untilMs && trades.length < maxTrades) {
    const { volume } = stepFor(seed, symbol, slot);
    trades.push({
      trade_id: tradeIdFor(symbol, slot),
      symbol,
      price,
      volume: String(isJump(slot) ? volume * JUMP_VOLUME_FACTOR : volume),
      ts: new Date(slot).toISOString(),
    });
    slot += intervalMs;
    price = next(price, slot);
  }
  return trades;
}

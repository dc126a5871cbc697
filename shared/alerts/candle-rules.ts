import { aggregateRange } from '../candles/aggregate-candles.js';
import { fixedBuckets, intervalParam, iso, type SqlTag } from '../candles/aggregate-trades.js';
import { MINUTE_MS } from '../candles/minute-rollups.js';
import type { Candle } from '../candles/candle.js';
import { candleValues } from '../candles/candle-format.js';
import { computeIndicator, type IndicatorInput } from '../indicators/compute-indicator.js';
import { warmUpCandles, type IndicatorSpec } from '../indicators/indicator-spec.js';
import { bucketStart } from '../market/candle-intervals.js';
import type { CandleInterval } from '../market/interval-grammar.js';
import type { AnomalyDraft } from './anomaly-draft.js';
import { decimalOf, rsiSeverity, severityOf, type AlertThresholds } from './alert-rules.js';

const ONE_MINUTE: CandleInterval = { name: '1m', unit: 'm', ms: 60_000 };
/** A closed 1m candle's volume is judged against the traded 1m candles of the 20 minutes before. */
const VOLUME_LOOKBACK_BUCKETS = 20;
const MIN_VOLUME_LOOKBACK_CANDLES = 5;
/** A batch closing more buckets than this (a replay) has only its last ones judged. */
const MAX_CLOSED_BUCKETS = 60;

/** The buckets of one interval a batch closed: from its first to its last, both starts. */
export interface ClosedBuckets {
  fromMs: number;
  /** The bucket that is now forming (exclusive end of the closed ones). */
  toMs: number;
}

/**
 * The buckets of `interval` that closed when the trades from `firstTsMs` to `lastTsMs` arrived
 * after a stored trade at `previousTsMs`: a bucket closes when a later bucket's first trade comes.
 */
export function closedBuckets(
  interval: CandleInterval,
  previousTsMs: number | undefined,
  firstTsMs: number,
  lastTsMs: number,
): ClosedBuckets | undefined {
  const toMs = bucketStart(lastTsMs, interval.ms);
  const fromMs = Math.max(
    bucketStart(Math.min(previousTsMs ?? firstTsMs, firstTsMs), interval.ms),
    toMs - MAX_CLOSED_BUCKETS * interval.ms,
  );
  return fromMs < toMs ? { fromMs, toMs } : undefined;
}

export interface CandleRuleInput {
  symbol: string;
  thresholds: AlertThresholds;
  rsiWindow: number;
  rsiIntervals: readonly CandleInterval[];
  previousTsMs: number | undefined;
  firstTsMs: number;
  lastTsMs: number;
}

/**
 * The per-candle rules on the candles a batch closed, read in the batch's transaction (its own
 * trades included): rsi_extreme per configured interval — RSI as /indicators computes it (the same
 * Wilder step, shared/indicators/, over its full warm-up, so the value agrees with the served one)
 * entering above the high or below the low threshold — and volume_spike of each closed 1m candle
 * against the traded 1m candles of the 20 minutes before it.
 */
export async function detectCandleAnomalies(
  sql: SqlTag,
  input: CandleRuleInput,
): Promise<AnomalyDraft[]> {
  const drafts: AnomalyDraft[] = [];
  const spec: IndicatorSpec = { type: 'rsi', window: input.rsiWindow, series: 'close' };
  const warmUp = warmUpCandles(spec);
  // RSI on 1m reads the minutes the volume rule needs (its warm-up is longer than 20 minutes):
  // one read serves both.
  let minuteCandles: Candle[] | undefined;
  for (const interval of input.rsiIntervals) {
    const closed = closedBuckets(interval, input.previousTsMs, input.firstTsMs, input.lastTsMs);
    if (closed === undefined) continue;
    let closes: IndicatorInput[];
    if (interval.ms === ONE_MINUTE.ms && warmUp >= VOLUME_LOOKBACK_BUCKETS) {
      minuteCandles = await loadCandles(sql, input.symbol, ONE_MINUTE, closed, warmUp);
      closes = minuteCandles.map(closeOf);
    } else {
      closes = await loadCloses(sql, input.symbol, interval, closed, warmUp);
    }
    drafts.push(...rsiExtremes(input, interval, closed, closes, spec));
  }
  const closedMinutes = closedBuckets(
    ONE_MINUTE,
    input.previousTsMs,
    input.firstTsMs,
    input.lastTsMs,
  );
  if (closedMinutes !== undefined) {
    const minutes =
      minuteCandles ??
      (await loadCandles(sql, input.symbol, ONE_MINUTE, closedMinutes, VOLUME_LOOKBACK_BUCKETS));
    drafts.push(...candleVolumeSpikes(input, closedMinutes, minutes));
  }
  return drafts;
}

/** A candle as RSI reads it: its close. */
function closeOf(candle: Candle): IndicatorInput {
  const close = Number(candle.close);
  return { timeMs: Date.parse(candle.timestamp), open: close, high: close, low: close, close };
}

/**
 * Candles of the closed buckets and the `lookback` buckets before them, traded ones only, read
 * where /candles reads them (buckets of a minute or more from the rollups persist keeps): a busy
 * symbol's twenty minutes are twenty rows, not every trade of them.
 */
async function loadCandles(
  sql: SqlTag,
  symbol: string,
  interval: CandleInterval,
  closed: ClosedBuckets,
  lookback: number,
): Promise<Candle[]> {
  const rows = (await sql`
    select ${candleValues.select(sql, 'computed')}
    from (${aggregateRange(sql, symbol, interval.ms, closed.fromMs - lookback * interval.ms, closed.toMs)}) computed
    order by bucket`.values()) as unknown as unknown[][];
  return rows.map((values) => candleValues.decode(values));
}

/**
 * The close of each traded bucket of the closed ones and the `lookback` before them: for buckets of
 * a minute or more, the candles from the rollups (loadCandles); for shorter ones, one index probe
 * per bucket (the last trade by ts, then seq, as a candle's close is), not the whole candle, whose
 * volume would scan every trade of RSI's long warm-up.
 */
async function loadCloses(
  sql: SqlTag,
  symbol: string,
  interval: CandleInterval,
  closed: ClosedBuckets,
  lookback: number,
): Promise<IndicatorInput[]> {
  if (interval.ms >= MINUTE_MS)
    return (await loadCandles(sql, symbol, interval, closed, lookback)).map(closeOf);
  const buckets = fixedBuckets(
    sql,
    interval.ms,
    sql`generate_series(${iso(closed.fromMs - lookback * interval.ms)}::timestamptz,
                        ${iso(closed.toMs - interval.ms)}::timestamptz,
                        ${intervalParam(interval.ms)}::interval) as s(b)`,
  );
  const rows = await sql<{ time_ms: number; close: number }[]>`
    select extract(epoch from b)::float8 * 1000 as time_ms, c.close::float8 as close
    from ${buckets}
    cross join lateral (
      select price as close from trades
      where symbol = ${symbol} and ts >= b and ts < e
      order by ts desc, seq desc limit 1
    ) c
    order by b`;
  // RSI reads the close only; the other prices are not loaded.
  return rows.map((row) => ({
    timeMs: row.time_ms,
    open: row.close,
    high: row.close,
    low: row.close,
    close: row.close,
  }));
}

function rsiExtremes(
  input: CandleRuleInput,
  interval: CandleInterval,
  closed: ClosedBuckets,
  closes: IndicatorInput[],
  spec: IndicatorSpec,
): AnomalyDraft[] {
  const { rsiHigh: high, rsiLow: low } = input.thresholds;
  const drafts: AnomalyDraft[] = [];
  const zone = (rsi: number | undefined) =>
    rsi === undefined ? 0 : rsi > high ? 1 : rsi < low ? -1 : 0;
  let previous: number | undefined;
  for (const { timeMs, value } of computeIndicator(spec, closes)) {
    if (typeof value !== 'number') continue;
    const entered = zone(value) !== 0 && zone(value) !== zone(previous);
    previous = value;
    if (!entered || timeMs < closed.fromMs || timeMs >= closed.toMs) continue;
    const above = value > high;
    const threshold = above ? high : low;
    drafts.push({
      symbol: input.symbol,
      kind: 'rsi_extreme',
      severity: rsiSeverity(value, high, low),
      tradeId: null,
      interval: interval.name,
      bucketMs: timeMs,
      openedAtMs: null,
      observed: decimalOf(value),
      threshold: decimalOf(threshold),
      unit: 'rsi',
      summary: `${input.symbol} RSI(${input.rsiWindow}) of the ${interval.name} candle at ${new Date(timeMs).toISOString()} is ${decimalOf(value, 2)}, ${above ? 'above' : 'below'} ${decimalOf(threshold)}`,
    });
  }
  return drafts;
}

function candleVolumeSpikes(
  input: CandleRuleInput,
  closed: ClosedBuckets,
  candles: Candle[],
): AnomalyDraft[] {
  const threshold = input.thresholds.volumeSpikeRatio;
  const drafts: AnomalyDraft[] = [];
  const times = candles.map((candle) => Date.parse(candle.timestamp));
  candles.forEach((candle, index) => {
    const timeMs = times[index] as number;
    if (timeMs < closed.fromMs || timeMs >= closed.toMs) return;
    const before = candles.filter((_, i) => {
      const t = times[i] as number;
      return t < timeMs && t >= timeMs - VOLUME_LOOKBACK_BUCKETS * ONE_MINUTE.ms;
    });
    if (before.length < MIN_VOLUME_LOOKBACK_CANDLES) return;
    const average = before.reduce((sum, c) => sum + Number(c.volume), 0) / before.length;
    const ratio = Number(candle.volume) / average;
    if (!(ratio > threshold)) return;
    drafts.push({
      symbol: input.symbol,
      kind: 'volume_spike',
      severity: severityOf(ratio, threshold),
      tradeId: null,
      interval: ONE_MINUTE.name,
      bucketMs: timeMs,
      openedAtMs: null,
      observed: decimalOf(ratio),
      threshold: decimalOf(threshold),
      unit: 'ratio',
      summary: `${input.symbol} 1m candle at ${candle.timestamp} traded ${candle.volume}, ${decimalOf(ratio, 2)}x the average of the ${before.length} traded minutes before; threshold ${decimalOf(threshold)}x`,
    });
  });
  return drafts;
}

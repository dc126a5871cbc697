import type { Candle } from '../../../../shared/candles/candle.js';
import { candleValues } from '../../../../shared/candles/candle-format.js';
import { fillPreviousAt, loadFilledCandles } from '../../../../shared/candles/fill-previous.js';
import { computeListedCandles } from '../../../../shared/candles/listed-buckets.js';
import { loadCandles } from '../../../../shared/candles/load-candles.js';
import { LocalBuckets } from '../../../../shared/candles/local-buckets.js';
import type { Sql } from '../../../../shared/db/client.js';
import { databaseKnowsTimeZone } from '../../../../shared/db/database-time-zones.js';
import { invalidParameter } from '../../../../shared/http/app-error.js';
import {
  isCalendarInterval,
  type CalendarInterval,
  type CandleInterval,
} from '../../../../shared/market/interval-grammar.js';
import { localIsoTimestamp, UTC } from '../../../../shared/market/time-zone.js';
import { fetchLastPriceBefore } from '../../../../shared/trades/trades.queries.js';
import { bucketWindow, type BucketWindow } from '../../lib/bucket-window.js';
import { localBucketWindow } from '../../lib/local-bucket-window.js';

const DAY_MS = 86_400_000;

/** A /candles query that asks for local time (`timezone`) or calendar units (M, y). */
export interface LocalCandlesQuery {
  symbol: string;
  interval: CandleInterval | CalendarInterval;
  zone: string;
  start?: Date | undefined;
  end?: Date | undefined;
  limit: number;
  fill: 'none' | 'previous';
  as_of?: Date | undefined;
}

/**
 * The candles of a local or calendar query as served JSON texts (each with `localStart`), and the
 * window answered. UTC with a fixed length is today's answer, stored candles included, each candle
 * given its `localStart`; anything else is computed from the trades over buckets listed from local
 * dates (LocalBuckets), never stored.
 *
 * @throws AppError 400 naming timezone for a zone PostgreSQL does not know, or interval for s/m/h
 * longer than a day in a zone other than UTC.
 */
export async function loadLocalCandles(
  sql: Sql,
  query: LocalCandlesQuery,
): Promise<BucketWindow & { candles: string[] }> {
  const { symbol, interval, zone } = query;
  if (zone !== UTC && !(await databaseKnowsTimeZone(sql, zone)))
    throw invalidParameter(
      'timezone',
      `unknown time zone ${zone} to PostgreSQL's time-zone data: use a name both know, e.g. America/New_York`,
    );
  const knownAtMs = query.as_of?.getTime();
  // As of an instant, "now" was then: the range ends there unless given.
  const range = { ...query, end: query.end ?? query.as_of };
  const served = (candles: Candle[]) => candles.map((candle) => localCandleJson(candle, zone));

  if (zone === UTC && !isCalendarInterval(interval)) {
    const window = bucketWindow(range, interval.ms);
    const request = {
      symbol,
      intervalMs: interval.ms,
      startMs: window.start.getTime(),
      endMs: window.windowEndMs,
      knownAtMs,
    };
    const candles =
      query.fill === 'previous'
        ? await loadFilledCandles(sql, request, Date.now())
        : await loadCandles(sql, request, Date.now(), candleValues);
    return { ...window, candles: served(candles) };
  }

  const calendar = localBuckets(interval, zone);
  const { buckets, ...window } = localBucketWindow(range, calendar);
  const request = {
    symbol,
    buckets,
    startMs: window.start.getTime(),
    endMs: window.windowEndMs,
    knownAtMs,
  };
  if (query.fill === 'none')
    return { ...window, candles: served(await computeListedCandles(sql, request, candleValues)) };
  const [candles, previousClose] = await Promise.all([
    computeListedCandles(sql, request, candleValues),
    fetchLastPriceBefore(sql, symbol, request.startMs, knownAtMs),
  ]);
  const starts = buckets.map((bucket) => bucket.startMs);
  return { ...window, candles: served(fillPreviousAt(candles, starts, previousClose)) };
}

function localBuckets(interval: CandleInterval | CalendarInterval, zone: string): LocalBuckets {
  if (!isCalendarInterval(interval) && interval.unit === 'h' && interval.ms > DAY_MS)
    throw invalidParameter(
      'interval',
      'with a timezone other than UTC, hours go from 1 to 24 (buckets within a local day): use d or w for longer ones',
    );
  return new LocalBuckets(interval, zone);
}

/**
 * A candle as /candles serves it with a time zone: the served fields, `localStart` after the
 * timestamp (its keys in the order printed).
 */
export function localCandleJson({ timestamp, ...values }: Candle, zone: string): string {
  return JSON.stringify({
    timestamp,
    localStart: localIsoTimestamp(Date.parse(timestamp), zone),
    ...values,
  });
}

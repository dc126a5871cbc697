import type { TradeMessage } from '../schemas/trade-message.js';
import type { Fragment, Row } from 'postgres';
import type { Sql } from '../db/client.js';
import { isoTimestamp } from '../market/timestamp.js';
import type { WriteObserver, WrittenTrades } from '../trades/write-trades.js';
import type { AnomalyDraft } from './anomaly-draft.js';
import { recordAnomalies, type AnomalyEvent } from './anomalies.queries.js';
import {
  applyOverrides,
  decimalOf,
  defaultThresholds,
  severityOf,
  type AlertSettings,
  type AlertThresholds,
} from './alert-rules.js';
import { detectCandleAnomalies } from './candle-rules.js';
import {
  detectTradeAnomalies,
  TRAILING_MAX_TRADES,
  TRAILING_WINDOW_MS,
  type TradeSeries,
} from './trade-rules.js';

/** What detection reads beside the write, per symbol. */
interface SymbolContext {
  symbol: string;
  thresholds: AlertThresholds;
  /** The stored trade before the batch's first of the symbol, when there is one. */
  previousTsMs: number | undefined;
}

/** A symbol's context and what the per-trade rules found against it (read's answer). */
interface SymbolJudgement {
  context: SymbolContext;
  tradeDrafts: AnomalyDraft[];
}

export interface BatchDetectionOptions {
  settings: AlertSettings;
  /** The trades' instants (epoch ms, in message order), as decode parsed them. */
  tsMs: Float64Array;
  /** Pub/Sub's publish time of the message (ms), when it carried one: ingest_lag judges it. */
  publishedAtMs?: number | undefined;
  now?: () => number;
}

/**
 * Anomaly detection for one batch, run by persist around the write (writeTrades' observer): the
 * context (each symbol's overrides, the stored trade before the batch's first and the minute before
 * that) read in the statement after the write and the per-trade rules judged on it; once the trades are
 * committed, the per-candle and ingest-lag rules, and every anomaly found recorded in one
 * statement. Idempotent rather than transactional: a crash after the trades' commit leaves the
 * message unacknowledged, and its redelivery reads the same context (nothing before the batch's
 * first trade changed), judges the same trades and records only what the keys say is missing
 * (migration 0012). `events` are the new anomalies' events, to publish.
 */
export class BatchDetection implements WriteObserver<SymbolJudgement[]> {
  readonly events: AnomalyEvent[] = [];
  readonly #batch: TradeMessage;
  readonly #options: BatchDetectionOptions;
  /** The instants of the batch's trades (epoch ms, in message order). */
  readonly #tsMs: Float64Array;
  /** Each symbol's trades as indexes into the batch, in time order (ts, then message order). */
  readonly #bySymbol: Map<string, number[]>;

  constructor(batch: TradeMessage, options: BatchDetectionOptions) {
    this.#batch = batch;
    this.#options = options;
    this.#tsMs = options.tsMs;
    this.#bySymbol = bySymbolInTimeOrder(batch, options.tsMs);
  }

  /**
   * Per symbol: its overrides, the stored trade before the batch's first, the minute before that:
   * all before the batch's first trade, so the same whether the write before it stored the batch
   * or not (a redelivery).
   */
  contextQuery(sql: Sql): Fragment {
    const symbols = [...this.#bySymbol.keys()];
    // Each symbol's list is in time order: its first is its earliest.
    const firsts = [...this.#bySymbol.values()].map((indexes) =>
      isoTimestamp(this.#tsMs[indexes[0] ?? 0] ?? 0),
    );
    // Plain float8 columns and arrays, not JSON: building and parsing 200 JSON triples per batch
    // cost persist more than the index reads. The window comes newest first, in the index's order.
    return sql`
      select s.symbol,
             r.price_spike_percent::float8, r.volume_spike_ratio::float8, r.rsi_high::float8,
             r.rsi_low::float8, r.ingest_lag_seconds::float8, r.stale_after_intervals,
             p.price as previous_price, p.volume as previous_volume, p.ts_ms as previous_ts_ms,
             w.prices as trailing_prices, w.volumes as trailing_volumes, w.ts_ms as trailing_ts_ms
      from unnest(${symbols}::text[], ${firsts}::timestamptz[]) as s(symbol, first_ts)
      left join alert_rules r on r.symbol = s.symbol
      left join lateral (
        select price::float8 as price, volume::float8 as volume,
               date_part('epoch', ts) * 1000 as ts_ms
        from trades where symbol = s.symbol and ts < s.first_ts
        order by ts desc, seq desc limit 1
      ) p on true
      cross join lateral (
        select coalesce(array_agg(price::float8 order by ts desc, seq desc), '{}') as prices,
               coalesce(array_agg(volume::float8 order by ts desc, seq desc), '{}') as volumes,
               coalesce(array_agg(date_part('epoch', ts) * 1000 order by ts desc, seq desc), '{}') as ts_ms
        from (
          -- No trade_id: the index holds the rest, so this reads no table page.
          select price, volume, ts, seq from trades
          where symbol = s.symbol and ts < s.first_ts
            and ts >= s.first_ts - make_interval(secs => ${TRAILING_WINDOW_MS / 1000})
          order by ts desc, seq desc limit ${TRAILING_MAX_TRADES}
        ) t
      ) w`;
  }

  /** Each symbol's context, and what the per-trade rules find in the batch against it. */
  judge(rows: readonly Row[]): SymbolJudgement[] {
    const tsMs = this.#tsMs;
    const defaults = defaultThresholds(this.#options.settings);
    const { trades } = this.#batch;
    return (rows as readonly ContextRow[]).map((row) => {
      const context: SymbolContext = {
        symbol: row.symbol,
        thresholds: applyOverrides(defaults, {
          priceSpikePercent: row.price_spike_percent,
          volumeSpikeRatio: row.volume_spike_ratio,
          rsiHigh: row.rsi_high,
          rsiLow: row.rsi_low,
          ingestLagSeconds: row.ingest_lag_seconds,
          staleAfterIntervals: row.stale_after_intervals,
        }),
        previousTsMs: row.previous_ts_ms ?? undefined,
      };
      const indexes = this.#bySymbol.get(row.symbol) ?? [];
      const trailingCount = row.trailing_ts_ms.length;
      const series = seriesOf(row, trailingCount + indexes.length);
      indexes.forEach((index, k) => {
        const trade = trades[index];
        series.price[trailingCount + k] = Number(trade?.price);
        series.volume[trailingCount + k] = Number(trade?.volume);
        series.tsMs[trailingCount + k] = tsMs[index] as number;
      });
      const tradeDrafts = detectTradeAnomalies({
        symbol: row.symbol,
        thresholds: context.thresholds,
        previousPrice: row.previous_price ?? undefined,
        series,
        trailingCount,
        tradeIdAt: (i) => trades[indexes[i - trailingCount] as number]?.trade_id ?? '',
      });
      return { context, tradeDrafts };
    });
  }

  async record(sql: Sql, judged: SymbolJudgement[], written: WrittenTrades): Promise<void> {
    const drafts: AnomalyDraft[] = [];
    const lagging: LaggingSymbol[] = [];
    const tsMs = this.#tsMs;
    for (const { context, tradeDrafts } of judged) {
      const indexes = this.#bySymbol.get(context.symbol) ?? [];
      const first = indexes[0];
      const last = indexes.at(-1);
      if (first === undefined || last === undefined) continue;
      drafts.push(...tradeDrafts);
      drafts.push(
        ...(await detectCandleAnomalies(sql, {
          symbol: context.symbol,
          thresholds: context.thresholds,
          rsiWindow: this.#options.settings.ALERT_RSI_WINDOW,
          rsiIntervals: this.#options.settings.ALERT_RSI_INTERVALS,
          previousTsMs: context.previousTsMs,
          firstTsMs: tsMs[first] as number,
          lastTsMs: tsMs[last] as number,
        })),
      );
      if (this.#mayLag(context)) lagging.push({ context, first: this.#sent(first) });
    }
    drafts.push(...(await this.#ingestLags(sql, lagging, written)));
    this.events.push(...(await recordAnomalies(sql, drafts)));
  }

  /** The batch's trade as the message sent it: a stored trade is found by its ts, to the µs. */
  #sent(index: number): LaggingSymbol['first'] {
    const trade = this.#batch.trades[index];
    return { tradeId: trade?.trade_id ?? '', ts: trade?.ts ?? '' };
  }

  /** Whether the message waited long enough since its publish for this symbol's lag to count. */
  #mayLag(context: SymbolContext): boolean {
    const { publishedAtMs, now = Date.now } = this.#options;
    return (
      publishedAtMs !== undefined &&
      (now() - publishedAtMs) / 1000 > context.thresholds.ingestLagSeconds
    );
  }

  /**
   * ingest_lag: the message's trades were stored too long after Pub/Sub published it, one
   * anomaly per symbol keyed by its first trade. A delivery that stored the whole batch stored it
   * just now; otherwise (a redelivery) the trades' own `ingested_at` says when they were stored,
   * so a redelivery neither invents a lag its first delivery did not have nor loses one it had.
   */
  async #ingestLags(
    sql: Sql,
    lagging: LaggingSymbol[],
    written: WrittenTrades,
  ): Promise<AnomalyDraft[]> {
    const { publishedAtMs, now = Date.now } = this.#options;
    if (publishedAtMs === undefined || lagging.length === 0) return [];
    const storedAtMs =
      written.inserted === written.received
        ? new Map(lagging.map(({ context }) => [context.symbol, now()]))
        : await storedTimes(
            sql,
            lagging.map(({ first }) => first),
          );
    return lagging.flatMap(({ context, first }) => {
      const stored = storedAtMs.get(context.symbol);
      if (stored === undefined) return [];
      const seconds = (stored - publishedAtMs) / 1000;
      const threshold = context.thresholds.ingestLagSeconds;
      if (!(seconds > threshold)) return [];
      return [
        {
          symbol: context.symbol,
          kind: 'ingest_lag',
          severity: severityOf(seconds, threshold),
          tradeId: first.tradeId,
          interval: null,
          bucketMs: null,
          openedAtMs: null,
          observed: decimalOf(seconds, 3),
          threshold: decimalOf(threshold, 3),
          unit: 'seconds',
          summary: `${context.symbol} trades from ${this.#batch.source} stored ${decimalOf(seconds, 1)} s after they were published; threshold ${decimalOf(threshold)} s`,
        },
      ];
    });
  }
}

/** The batch's trades by symbol, each list in time order (ties keep message order). */
function bySymbolInTimeOrder(batch: TradeMessage, tsMs: Float64Array): Map<string, number[]> {
  const bySymbol = new Map<string, number[]>();
  batch.trades.forEach((trade, i) => {
    let list = bySymbol.get(trade.symbol);
    if (list === undefined) bySymbol.set(trade.symbol, (list = []));
    list.push(i);
  });
  // Most batches come in order.
  for (const list of bySymbol.values())
    if (!inTimeOrder(list, tsMs))
      list.sort((a, b) => (tsMs[a] as number) - (tsMs[b] as number) || a - b);
  return bySymbol;
}

function inTimeOrder(indexes: readonly number[], tsMs: Float64Array): boolean {
  for (let i = 1; i < indexes.length; i++)
    if ((tsMs[indexes[i] as number] as number) < (tsMs[indexes[i - 1] as number] as number))
      return false;
  return true;
}

interface LaggingSymbol {
  context: SymbolContext;
  /** The symbol's first trade of the batch (its id is the lag's key; its ts as sent). */
  first: { tradeId: string; ts: string };
}

/** When each of `trades` was stored (trades.ingested_at, epoch ms), by symbol. */
async function storedTimes(
  sql: Sql,
  trades: readonly LaggingSymbol['first'][],
): Promise<Map<string, number>> {
  const rows = await sql<{ symbol: string; stored_ms: number }[]>`
    select t.symbol, extract(epoch from t.ingested_at)::float8 * 1000 as stored_ms
    from unnest(${trades.map((t) => t.tradeId)}::text[],
                ${trades.map((t) => t.ts)}::timestamptz[]) as b(trade_id, ts)
    join trades t on t.trade_id = b.trade_id and t.ts = b.ts`;
  return new Map(rows.map((row) => [row.symbol, row.stored_ms]));
}

interface ContextRow {
  symbol: string;
  price_spike_percent: number | null;
  volume_spike_ratio: number | null;
  rsi_high: number | null;
  rsi_low: number | null;
  ingest_lag_seconds: number | null;
  stale_after_intervals: number | null;
  /** The stored trade before the batch's first (nulls when none). */
  previous_price: number | null;
  previous_volume: number | null;
  previous_ts_ms: number | null;
  /** The window before the batch's first, newest first. */
  trailing_prices: number[];
  trailing_volumes: number[];
  trailing_ts_ms: number[];
}

/** A series of `length` trades holding the context's trailing window first, oldest first. */
function seriesOf(row: ContextRow, length: number): TradeSeries {
  const series: TradeSeries = {
    price: new Float64Array(length),
    volume: new Float64Array(length),
    tsMs: new Float64Array(length),
  };
  const count = row.trailing_ts_ms.length;
  for (let i = 0; i < count; i++) {
    // The window comes newest first.
    const from = count - 1 - i;
    series.price[i] = row.trailing_prices[from] as number;
    series.volume[i] = row.trailing_volumes[from] as number;
    series.tsMs[i] = row.trailing_ts_ms[from] as number;
  }
  return series;
}

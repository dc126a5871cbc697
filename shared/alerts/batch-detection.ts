import type { TradeMessage } from '../schemas/trade-message.js';
import type { InsertedTrades, TxSql, WriteObserver } from '../trades/write-trades.js';
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
  type RuleTrade,
} from './trade-rules.js';

/** What the batch's transaction reads before its write, per symbol. */
interface SymbolContext {
  symbol: string;
  thresholds: AlertThresholds;
  previous: RuleTrade | undefined;
  trailing: RuleTrade[];
}

export interface BatchDetectionOptions {
  settings: AlertSettings;
  /** Pub/Sub's publish time of the message (ms), when it carried one: ingest_lag judges it. */
  publishedAtMs?: number | undefined;
  now?: () => number;
}

/**
 * Anomaly detection for one batch, run by persist inside the batch's transaction
 * (writeTrades' observer): the per-trade, per-candle and ingest-lag rules over the trades this
 * delivery stored, against what the database held before. Recorded in that transaction, so a
 * crash loses neither trades nor their anomalies, and a redelivery, which stores no trade again,
 * records nothing again. `events` are the new anomalies' events, to publish once it committed.
 */
export class BatchDetection implements WriteObserver<SymbolContext[]> {
  readonly events: AnomalyEvent[] = [];
  readonly #batch: TradeMessage;
  readonly #options: BatchDetectionOptions;
  /** Each symbol's trades in time order (ts, then message order). */
  readonly #bySymbol = new Map<string, RuleTrade[]>();

  constructor(batch: TradeMessage, options: BatchDetectionOptions) {
    this.#batch = batch;
    this.#options = options;
    batch.trades.forEach((trade) => {
      const list = this.#bySymbol.get(trade.symbol) ?? [];
      list.push({
        tradeId: trade.trade_id,
        price: Number(trade.price),
        volume: Number(trade.volume),
        tsMs: Date.parse(trade.ts),
      });
      this.#bySymbol.set(trade.symbol, list);
    });
    // A stable sort: trades of one timestamp keep their message order.
    for (const list of this.#bySymbol.values()) list.sort((a, b) => a.tsMs - b.tsMs);
  }

  /** Per symbol: its overrides, the stored trade before the batch's first, the minute before that. */
  async read(tx: TxSql): Promise<SymbolContext[]> {
    const symbols = [...this.#bySymbol.keys()];
    const firsts = symbols.map((symbol) =>
      new Date((this.#bySymbol.get(symbol) as RuleTrade[])[0]?.tsMs ?? 0).toISOString(),
    );
    const rows = await tx<ContextRow[]>`
      select s.symbol,
             r.price_spike_percent::float8, r.volume_spike_ratio::float8, r.rsi_high::float8,
             r.rsi_low::float8, r.ingest_lag_seconds::float8, r.stale_after_intervals,
             p.previous, w.trailing
      from unnest(${symbols}::text[], ${firsts}::timestamptz[]) as s(symbol, first_ts)
      left join alert_rules r on r.symbol = s.symbol
      left join lateral (
        select json_build_array(price::float8, volume::float8,
                                extract(epoch from ts)::float8 * 1000) as previous
        from trades where symbol = s.symbol and ts < s.first_ts
        order by ts desc, seq desc limit 1
      ) p on true
      cross join lateral (
        select coalesce(json_agg(json_build_array(price::float8, volume::float8,
                                                  extract(epoch from ts)::float8 * 1000)
                                 order by ts, seq), '[]') as trailing
        from (
          -- No trade_id: the index holds the rest, so this reads no table page.
          select price, volume, ts, seq from trades
          where symbol = s.symbol and ts < s.first_ts
            and ts >= s.first_ts - make_interval(secs => ${TRAILING_WINDOW_MS / 1000})
          order by ts desc, seq desc limit ${TRAILING_MAX_TRADES}
        ) t
      ) w`;
    const defaults = defaultThresholds(this.#options.settings);
    return rows.map((row) => ({
      symbol: row.symbol,
      thresholds: applyOverrides(defaults, {
        priceSpikePercent: row.price_spike_percent,
        volumeSpikeRatio: row.volume_spike_ratio,
        rsiHigh: row.rsi_high,
        rsiLow: row.rsi_low,
        ingestLagSeconds: row.ingest_lag_seconds,
        staleAfterIntervals: row.stale_after_intervals,
      }),
      previous: row.previous === null ? undefined : ruleTrade(row.previous),
      trailing: row.trailing.map(ruleTrade),
    }));
  }

  async record(tx: TxSql, contexts: SymbolContext[], inserted: InsertedTrades): Promise<void> {
    const isNew = (trade: RuleTrade) => inserted.all || inserted.ids.has(trade.tradeId);
    const drafts: AnomalyDraft[] = [];
    for (const context of contexts) {
      const trades = this.#bySymbol.get(context.symbol) ?? [];
      const stored = trades.filter(isNew);
      const first = stored[0];
      const last = trades.at(-1);
      if (first === undefined || last === undefined) continue;
      drafts.push(...detectTradeAnomalies({ ...context, trades, isNew }));
      drafts.push(
        ...(await detectCandleAnomalies(tx, {
          symbol: context.symbol,
          thresholds: context.thresholds,
          rsiWindow: this.#options.settings.ALERT_RSI_WINDOW,
          rsiIntervals: this.#options.settings.ALERT_RSI_INTERVALS,
          previousTsMs: context.previous?.tsMs,
          firstTsMs: first.tsMs,
          lastTsMs: last.tsMs,
        })),
      );
      const lag = this.#ingestLag(context, first);
      if (lag !== undefined) drafts.push(lag);
    }
    this.events.push(...(await recordAnomalies(tx, drafts)));
  }

  /** ingest_lag: the message waited too long between Pub/Sub's publish and this write. */
  #ingestLag(context: SymbolContext, first: RuleTrade): AnomalyDraft | undefined {
    const { publishedAtMs, now = Date.now } = this.#options;
    if (publishedAtMs === undefined) return undefined;
    const seconds = (now() - publishedAtMs) / 1000;
    const threshold = context.thresholds.ingestLagSeconds;
    if (!(seconds > threshold)) return undefined;
    return {
      symbol: context.symbol,
      kind: 'ingest_lag',
      severity: severityOf(seconds, threshold),
      // One per symbol and message, keyed by its first trade stored.
      tradeId: first.tradeId,
      interval: null,
      bucketMs: null,
      openedAtMs: null,
      observed: decimalOf(seconds, 3),
      threshold: decimalOf(threshold, 3),
      unit: 'seconds',
      summary: `${context.symbol} trades from ${this.#batch.source} stored ${decimalOf(seconds, 1)} s after they were published; threshold ${decimalOf(threshold)} s`,
    };
  }
}

/** price, volume, ts (epoch ms) of a stored trade. */
type ContextTrade = [number, number, number];

interface ContextRow {
  symbol: string;
  price_spike_percent: number | null;
  volume_spike_ratio: number | null;
  rsi_high: number | null;
  rsi_low: number | null;
  ingest_lag_seconds: number | null;
  stale_after_intervals: number | null;
  previous: ContextTrade | null;
  trailing: ContextTrade[];
}

// A stored trade is only compared with: its id is never reported.
const ruleTrade = ([price, volume, tsMs]: ContextTrade): RuleTrade => ({
  tradeId: '',
  price,
  volume,
  tsMs,
});

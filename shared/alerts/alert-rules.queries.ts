import type { Sql } from '../db/client.js';

/** A symbol's overrides as stored: null keeps the ALERT_* default. */
export interface AlertRuleRecord {
  symbol: string;
  priceSpikePercent: number | null;
  volumeSpikeRatio: number | null;
  rsiHigh: number | null;
  rsiLow: number | null;
  ingestLagSeconds: number | null;
  staleAfterIntervals: number | null;
  updatedAt: Date;
}

export type AlertRuleOverrides = Omit<AlertRuleRecord, 'symbol' | 'updatedAt'>;

const columns = (sql: Sql) => sql`
  symbol, price_spike_percent::float8 as "priceSpikePercent",
  volume_spike_ratio::float8 as "volumeSpikeRatio", rsi_high::float8 as "rsiHigh",
  rsi_low::float8 as "rsiLow", ingest_lag_seconds::float8 as "ingestLagSeconds",
  stale_after_intervals as "staleAfterIntervals", updated_at as "updatedAt"`;

/** Every symbol's overrides, by symbol. */
export async function listAlertRules(sql: Sql): Promise<AlertRuleRecord[]> {
  return sql<AlertRuleRecord[]>`select ${columns(sql)} from alert_rules order by symbol`;
}

/**
 * Sets a symbol's overrides to exactly `overrides` (PUT): a field left null returns to the
 * default, and a symbol without any override has no row. Undefined when the symbol is unknown.
 */
export async function putAlertRule(
  sql: Sql,
  symbol: string,
  overrides: AlertRuleOverrides,
): Promise<AlertRuleRecord | undefined> {
  const [known] = await sql`select 1 from symbols where symbol = ${symbol}`;
  if (known === undefined) return undefined;
  if (Object.values(overrides).every((value) => value === null)) {
    const [removed] = await sql<AlertRuleRecord[]>`
      delete from alert_rules where symbol = ${symbol}
      returning symbol, null::float8 as "priceSpikePercent", null::float8 as "volumeSpikeRatio",
                null::float8 as "rsiHigh", null::float8 as "rsiLow", null::float8 as "ingestLagSeconds",
                null::int as "staleAfterIntervals", now() as "updatedAt"`;
    return removed ?? { symbol, ...overrides, updatedAt: new Date() };
  }
  const [row] = await sql<AlertRuleRecord[]>`
    insert into alert_rules as r (symbol, price_spike_percent, volume_spike_ratio, rsi_high,
                                  rsi_low, ingest_lag_seconds, stale_after_intervals)
    values (${symbol}, ${overrides.priceSpikePercent}, ${overrides.volumeSpikeRatio},
            ${overrides.rsiHigh}, ${overrides.rsiLow}, ${overrides.ingestLagSeconds},
            ${overrides.staleAfterIntervals})
    on conflict (symbol) do update set
      price_spike_percent = excluded.price_spike_percent,
      volume_spike_ratio = excluded.volume_spike_ratio, rsi_high = excluded.rsi_high,
      rsi_low = excluded.rsi_low, ingest_lag_seconds = excluded.ingest_lag_seconds,
      stale_after_intervals = excluded.stale_after_intervals, updated_at = now()
    returning ${columns(sql)}`;
  return row;
}

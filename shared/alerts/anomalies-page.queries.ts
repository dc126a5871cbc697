import type { Sql } from '../db/client.js';
import type { AlertSeverity, AnomalyKind } from './alert-message.js';

/** A recorded anomaly as GET /anomalies lists it. */
export interface AnomalyRecord {
  id: string;
  symbol: string;
  kind: AnomalyKind;
  severity: AlertSeverity;
  detectedAt: Date;
  tradeId: string | null;
  interval: string | null;
  bucket: Date | null;
  openedAt: Date | null;
  closedAt: Date | null;
  observed: string;
  threshold: string;
  unit: string;
  summary: string;
}

export interface AnomalyFilter {
  symbol?: string | undefined;
  kind?: AnomalyKind | undefined;
  /** Detected at or after. */
  since?: Date | undefined;
  /** Keyset: the last id of the previous page (newest first: ids below it). */
  beforeId?: string | undefined;
  limit: number;
}

/**
 * Anomalies newest first (by id: the order they were recorded), one page plus one row, which says
 * whether another page follows.
 */
export async function fetchAnomaliesPage(
  sql: Sql,
  filter: AnomalyFilter,
): Promise<AnomalyRecord[]> {
  return sql<AnomalyRecord[]>`
    select id::text, symbol, kind, severity, detected_at as "detectedAt", trade_id as "tradeId",
           interval, bucket, opened_at as "openedAt", closed_at as "closedAt",
           trim_scale(observed)::text as observed, trim_scale(threshold)::text as threshold,
           unit, summary
    from anomalies
    where true
      ${filter.symbol === undefined ? sql`` : sql`and symbol = ${filter.symbol}`}
      ${filter.kind === undefined ? sql`` : sql`and kind = ${filter.kind}`}
      ${filter.since === undefined ? sql`` : sql`and detected_at >= ${filter.since}`}
      ${filter.beforeId === undefined ? sql`` : sql`and id < ${filter.beforeId}::bigint`}
    order by id desc
    limit ${filter.limit + 1}`;
}

/** How many anomalies have been recorded, by kind and severity (the metrics' counter). */
export async function countAnomalies(
  sql: Sql,
): Promise<{ kind: AnomalyKind; severity: AlertSeverity; count: number }[]> {
  return sql<{ kind: AnomalyKind; severity: AlertSeverity; count: number }[]>`
    select kind, severity, count(*)::float8 as count from anomalies group by kind, severity`;
}

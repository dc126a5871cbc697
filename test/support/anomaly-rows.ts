import type { Sql } from '../../shared/db/client.js';

/** An anomaly as tests compare it: the fields a rule decides. */
export interface AnomalyRow {
  symbol: string;
  kind: string;
  severity: string;
  trade_id: string | null;
  interval: string | null;
  bucket: string | null;
  observed: string;
  threshold: string;
  closed: boolean;
}

/** Every recorded anomaly, oldest first. */
export async function anomalyRows(sql: Sql): Promise<AnomalyRow[]> {
  return sql<AnomalyRow[]>`
    select symbol, kind, severity, trade_id, interval,
           to_char(bucket at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as bucket,
           trim_scale(observed)::text as observed, trim_scale(threshold)::text as threshold,
           closed_at is not null as closed
    from anomalies order by id`;
}

/** How many events each anomaly has, by event name. */
export async function eventCounts(sql: Sql): Promise<Record<string, number>> {
  const rows = await sql<{ event: string; n: number }[]>`
    select event, count(*)::int as n from anomaly_events group by event`;
  return Object.fromEntries(rows.map((row) => [row.event, row.n]));
}

import type { TransactionSql } from 'postgres';
import type { Sql } from '../db/client.js';
import type { AlertMessage, AlertEvent, AlertSeverity, AnomalyKind } from './alert-message.js';
import type { AnomalyDraft } from './anomaly-draft.js';
import { TRADES_CHANNEL } from '../stream/trade-events.js';

type SqlTag = Sql | TransactionSql;

/** An anomaly event as the outbox publishes it and the stream sends it. */
export interface AnomalyEvent {
  /** anomaly_events.id: the outbox's key. */
  eventId: string;
  message: AlertMessage;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * Records `drafts` with their `detected` events, each anomaly once: a draft whose key is recorded
 * already (a redelivered batch, a second checker) is skipped by the unique indexes. Returns the
 * events of the anomalies this call recorded, to publish after commit.
 */
export async function recordAnomalies(
  sql: SqlTag,
  drafts: readonly AnomalyDraft[],
): Promise<AnomalyEvent[]> {
  if (drafts.length === 0) return [];
  const column = <K extends keyof AnomalyDraft>(key: K) => drafts.map((draft) => draft[key]);
  const rows = await sql<EventRow[]>`
    with input as (
      select * from unnest(
        ${column('symbol')}::text[], ${column('kind')}::text[], ${column('severity')}::text[],
        ${column('tradeId')}::text[], ${column('interval')}::text[],
        ${drafts.map((d) => iso(d.bucketMs))}::timestamptz[], ${drafts.map((d) => iso(d.openedAtMs))}::timestamptz[],
        ${column('observed')}::numeric[], ${column('threshold')}::numeric[],
        ${column('unit')}::text[], ${column('summary')}::text[]
      ) with ordinality as t(symbol, kind, severity, trade_id, interval, bucket, opened_at,
                             observed, threshold, unit, summary, ord)
    ), recorded as (
      insert into anomalies (symbol, kind, severity, trade_id, interval, bucket, opened_at,
                             observed, threshold, unit, summary)
      select symbol, kind, severity, trade_id, interval, bucket, opened_at, observed, threshold,
             unit, summary
      from input order by ord
      on conflict do nothing
      returning *
    ), events as (
      insert into anomaly_events (anomaly_id, event, at)
      select id, 'detected', detected_at from recorded
      returning id, anomaly_id, event, at
    ), notified as (
      -- The streams' hub reads events after trades: woken now, not at its next poll. Rare
      -- enough that this statement's commit may wait for other notifiers.
      select pg_notify(${TRADES_CHANNEL}, '') from (select 1 from events limit 1) any_event
    )
    select ${eventColumns(sql)}, (select count(*) from notified) as notified
    from events e join recorded a on a.id = e.anomaly_id
    order by e.id`;
  return rows.map(eventOf);
}

/** The columns of an event joined to its anomaly `a` (events `e`). */
export const eventColumns = (sql: SqlTag) => sql`
  e.id::text as event_id, e.event, e.at, a.id::text as anomaly_id, a.symbol, a.kind, a.severity,
  trim_scale(a.observed)::text as observed, trim_scale(a.threshold)::text as threshold, a.unit,
  a.trade_id, a.interval, a.bucket, a.summary`;

export interface EventRow {
  event_id: string;
  event: AlertEvent;
  at: Date;
  anomaly_id: string;
  symbol: string;
  kind: AnomalyKind;
  severity: AlertSeverity;
  observed: string;
  threshold: string;
  unit: string;
  trade_id: string | null;
  interval: string | null;
  bucket: Date | null;
  summary: string;
}

export function eventOf(row: EventRow): AnomalyEvent {
  return {
    eventId: row.event_id,
    message: {
      anomalyId: row.anomaly_id,
      event: row.event,
      symbol: row.symbol,
      kind: row.kind,
      severity: row.severity,
      at: row.at.toISOString(),
      observed: row.observed,
      threshold: row.threshold,
      unit: row.unit,
      tradeId: row.trade_id,
      bucket: row.bucket?.toISOString() ?? null,
      interval: row.interval,
      summary:
        row.event === 'recovered' ? `${row.symbol} feed recovered: ${row.summary}` : row.summary,
    },
  };
}

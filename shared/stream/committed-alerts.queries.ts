import {
  eventColumns,
  eventOf,
  type AnomalyEvent,
  type EventRow,
} from '../alerts/anomalies.queries.js';
import type { Sql } from '../db/client.js';

/** A position among anomaly events: (xid, id), as trades are followed by (xid, seq). */
export interface AlertPosition {
  xid: string;
  id: string;
}

export const ALERTS_START: AlertPosition = { xid: '0', id: '0' };

export interface StreamAlert extends AnomalyEvent {
  position: AlertPosition;
}

/**
 * Anomaly events after `after`, of ended transactions only (below the statement's snapshot xmin,
 * trade-events.ts explains why), in (xid, id) order: a reader following them misses none that
 * commits late and reads none twice.
 */
export async function readCommittedAlerts(
  sql: Sql,
  { after, limit }: { after: AlertPosition; limit: number },
): Promise<StreamAlert[]> {
  const rows = await sql<(EventRow & { xid: string })[]>`
    select ${eventColumns(sql)}, e.xid::text as xid
    from anomaly_events e join anomalies a on a.id = e.anomaly_id
    where (e.xid, e.id) > (${after.xid}::bigint, ${after.id}::bigint)
      and e.xid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
    order by e.xid, e.id
    limit ${limit}`;
  return rows.map((row) => ({ ...eventOf(row), position: { xid: row.xid, id: row.event_id } }));
}

/** The newest anomaly event of an ended transaction: where a live stream's alerts start. */
export async function readAlertsFrontier(sql: Sql): Promise<AlertPosition> {
  const [row] = await sql<AlertPosition[]>`
    select xid::text, id::text from anomaly_events
    where xid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
    order by xid desc, id desc
    limit 1`;
  return row ?? ALERTS_START;
}

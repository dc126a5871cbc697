import type { Sql } from '../db/client.js';
import { TRADES_CHANNEL } from '../stream/trade-events.js';
import { eventColumns, eventOf, type AnomalyEvent, type EventRow } from './anomalies.queries.js';

export interface StaleCheck {
  /** The ingestion interval, by which a feed is judged (as /status/ingestion does). */
  intervalSeconds: number;
  /** ALERT_STALE_AFTER_INTERVALS: silent for this many intervals is stale (per-symbol overrides). */
  staleAfterIntervals: number;
}

/**
 * One stale-feed check, one statement, by the database's clock: opens a `stale_feed` episode for
 * each active symbol whose newest trade is older than its threshold and has none open (keyed by
 * that trade's time: two checkers, or a double fire, record it once), and closes (`recovered`) each
 * open episode whose symbol has traded since. Returns the events recorded; notifies the stream.
 * A symbol that never traded has no feed to go stale.
 */
export async function checkStaleFeeds(sql: Sql, check: StaleCheck): Promise<AnomalyEvent[]> {
  const rows = await sql<EventRow[]>`
    with feeds as (
      select s.symbol, lp.ts as last_ts,
             (coalesce(r.stale_after_intervals, ${check.staleAfterIntervals}) * ${check.intervalSeconds})::numeric as limit_s,
             extract(epoch from now() - lp.ts)::numeric as silent_s
      from symbols s
      join latest_prices lp on lp.symbol = s.symbol
      left join alert_rules r on r.symbol = s.symbol
      where s.active
    ), opened as (
      insert into anomalies (symbol, kind, severity, opened_at, observed, threshold, unit, summary)
      select symbol, 'stale_feed',
             case when silent_s >= 2 * limit_s then 'critical' else 'warning' end,
             last_ts, round(silent_s, 3), limit_s, 'seconds',
             format('%s has had no trade for %s s (last at %s); threshold %s s', symbol,
                    round(silent_s, 1), to_char(last_ts at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                    trim_scale(limit_s))
      from feeds
      where silent_s > limit_s
        and not exists (
          select 1 from anomalies a
          where a.kind = 'stale_feed' and a.symbol = feeds.symbol and a.closed_at is null)
      on conflict do nothing
      returning *
    ), closed as (
      update anomalies a set closed_at = now()
      from latest_prices lp
      where a.kind = 'stale_feed' and a.closed_at is null
        and lp.symbol = a.symbol and lp.ts > a.opened_at
      returning a.*
    ), changed as (
      select * from opened union all select * from closed
    ), events as (
      insert into anomaly_events (anomaly_id, event, at)
      select id, case when closed_at is null then 'detected' else 'recovered' end,
             coalesce(closed_at, detected_at)
      from changed
      on conflict do nothing
      returning id, anomaly_id, event, at
    ), notified as (
      select pg_notify(${TRADES_CHANNEL}, '') from (select 1 from events limit 1) any_event
    )
    select ${eventColumns(sql)}, (select count(*) from notified) as notified
    from events e join changed a on a.id = e.anomaly_id
    order by e.id`;
  return rows.map(eventOf);
}

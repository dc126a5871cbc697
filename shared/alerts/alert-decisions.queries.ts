import type { Sql } from '../db/client.js';
import type { AlertMessage } from './alert-message.js';

/** Whether an alert event goes out, decided once per (anomalyId, event). */
export type AlertDecision =
  | { outcome: 'deliver' }
  | {
      outcome: 'suppressed';
      reason: 'cooldown' | 'detected_suppressed';
      /** For a cooldown: the anomaly whose alert holds it. */
      heldBy: string | null;
      /** For a cooldown: alerts of this symbol and kind suppressed since that one was sent. */
      suppressedSince: number | null;
    };

interface DecisionRow {
  outcome: 'deliver' | 'suppressed';
  reason: 'cooldown' | 'detected_suppressed' | null;
  heldBy: string | null;
}

/**
 * Decides, once, whether `alert` is delivered. A redelivered message finds the first decision and
 * keeps it: a delivered alert whose channel failed is retried, a suppressed one stays suppressed.
 *
 * The rule: a `detected` alert claims the cooldown of its (symbol, kind) when the last claim is at
 * least `cooldownSeconds` old (one atomic statement: across instances, exactly one alert of a
 * burst wins), else it is suppressed and counted. A `recovered` alert never touches the cooldown
 * (its `detected` holds it, and being told a feed is back matters as much as being told it
 * stopped); it follows its own `detected`: suppressed if that was, delivered otherwise, including
 * when its `detected` was never seen here.
 *
 * @throws on database failure (the message is then redelivered).
 */
export async function decideAlert(
  sql: Sql,
  alert: AlertMessage,
  cooldownSeconds: number,
): Promise<AlertDecision> {
  return sql.begin(async (tx) => {
    // Two instances handling the same message (a duplicate delivery) decide one after the other.
    await tx`select pg_advisory_xact_lock(hashtextextended(${`alert:${alert.anomalyId}:${alert.event}`}, 0))`;
    const [known] = await tx<DecisionRow[]>`
      select outcome, reason, held_by::text as "heldBy" from alert_decisions
      where anomaly_id = ${alert.anomalyId} and event = ${alert.event}`;
    if (known !== undefined) return asDecision(known, null);

    let decision: AlertDecision;
    if (alert.event === 'recovered') {
      const [opened] = await tx<{ outcome: string }[]>`
        select outcome from alert_decisions
        where anomaly_id = ${alert.anomalyId} and event = 'detected'`;
      decision =
        opened?.outcome === 'suppressed'
          ? {
              outcome: 'suppressed',
              reason: 'detected_suppressed',
              heldBy: null,
              suppressedSince: null,
            }
          : { outcome: 'deliver' };
    } else if (cooldownSeconds === 0) {
      decision = { outcome: 'deliver' };
    } else {
      // A concurrent claim of the same (symbol, kind) waits for this row's lock, then sees the
      // winner's last_sent_at and does not update: the WHERE is re-checked on the newest row.
      const claimed = await tx`
        insert into alert_cooldowns as c (symbol, kind, anomaly_id, last_sent_at)
        values (${alert.symbol}, ${alert.kind}, ${alert.anomalyId}, now())
        on conflict (symbol, kind) do update
          set anomaly_id = excluded.anomaly_id, last_sent_at = excluded.last_sent_at,
              suppressed_since = 0
          where c.last_sent_at <= excluded.last_sent_at - make_interval(secs => ${cooldownSeconds})
        returning 1`;
      if (claimed.length > 0) {
        decision = { outcome: 'deliver' };
      } else {
        const [holder] = await tx<{ heldBy: string; suppressedSince: number }[]>`
          update alert_cooldowns
          set suppressed_since = suppressed_since + 1, suppressed_total = suppressed_total + 1
          where symbol = ${alert.symbol} and kind = ${alert.kind}
          returning anomaly_id::text as "heldBy", suppressed_since as "suppressedSince"`;
        decision = {
          outcome: 'suppressed',
          reason: 'cooldown',
          heldBy: holder?.heldBy ?? null,
          suppressedSince: holder?.suppressedSince ?? null,
        };
      }
    }
    const suppressed = decision.outcome === 'suppressed' ? decision : undefined;
    await tx`
      insert into alert_decisions (anomaly_id, event, symbol, kind, severity, outcome, reason, held_by)
      values (${alert.anomalyId}, ${alert.event}, ${alert.symbol}, ${alert.kind}, ${alert.severity},
              ${decision.outcome}, ${suppressed?.reason ?? null}, ${suppressed?.heldBy ?? null})`;
    return decision;
  });
}

function asDecision(row: DecisionRow, suppressedSince: number | null): AlertDecision {
  return row.outcome === 'deliver'
    ? { outcome: 'deliver' }
    : {
        outcome: 'suppressed',
        reason: row.reason ?? 'cooldown',
        heldBy: row.heldBy,
        suppressedSince,
      };
}

import type { TransactionSql } from 'postgres';
import type { Sql } from '../db/client.js';
import { claimCooldown, cooldownHolder, countSuppression } from './alert-cooldowns.queries.js';
import { wasDelivered } from './alert-deliveries.queries.js';
import type { AlertMessage } from './alert-message.js';

/** Whether an alert event goes out. */
export type AlertDecision =
  | { outcome: 'deliver' }
  | {
      outcome: 'suppressed';
      reason: 'cooldown' | 'detected_suppressed';
      /** For a cooldown: the anomaly whose alert holds it. */
      heldBy: string | null;
      /** For a cooldown: alerts of this symbol and kind suppressed since that one was sent. */
      suppressedSince: number | null;
    }
  | {
      /** Not decided yet: the cooldown is claimed by another alert whose sends are under way. */
      outcome: 'pending';
      heldBy: string | null;
    };

/** A decision that was made: stored in `alert_decisions`. */
type MadeDecision = Exclude<AlertDecision, { outcome: 'pending' }>;

export interface CooldownSettings {
  /** ALERT_COOLDOWN_SECONDS: per (symbol, kind); 0 never suppresses. */
  cooldownSeconds: number;
  /** How long a claim stands while its holder is being sent (longer than any send takes). */
  leaseSeconds: number;
}

interface DecisionRow {
  outcome: 'deliver' | 'suppressed';
  reason: 'cooldown' | 'detected_suppressed' | null;
  heldBy: string | null;
}

/**
 * Decides whether `alert` is delivered; a redelivered message finds what was decided before.
 * Suppressed is final. So is deliver for a `recovered` alert, and for a `detected` one once a
 * channel took it (its other channels are then retried).
 *
 * The rule for `detected`: it claims the cooldown of its (symbol, kind) (alert-cooldowns.queries.ts)
 * when the claim is free, its own, or its holder was delivered at least `cooldownSeconds` ago. It
 * is suppressed, and counted, when the holder was delivered more recently. While the holder is
 * still being sent, it is `pending`: whether it must go out depends on whether the holder reaches
 * anyone. A `detected` alert decided deliver whose channels all failed gives its claim back and,
 * redelivered, contends again like any other: if another alert of its burst was delivered
 * meanwhile, it becomes suppressed. So once one alert of a burst was delivered no other is within
 * the cooldown, and a burst whose first alert never gets through is not silenced by it.
 *
 * A `recovered` alert never touches the cooldown (its `detected` holds it, and being told a feed
 * is back matters as much as being told it stopped); it follows its own `detected`: suppressed if
 * that was, delivered otherwise, including when its `detected` was never seen here.
 *
 * @throws on database failure (the message is then redelivered).
 */
export async function decideAlert(
  sql: Sql,
  alert: AlertMessage,
  cooldown: CooldownSettings,
): Promise<AlertDecision> {
  return sql.begin(async (tx) => {
    // Two instances handling the same message (a duplicate delivery) decide one after the other.
    await tx`select pg_advisory_xact_lock(hashtextextended(${`alert:${alert.anomalyId}:${alert.event}`}, 0))`;
    const [known] = await tx<DecisionRow[]>`
      select outcome, reason, held_by::text as "heldBy" from alert_decisions
      where anomaly_id = ${alert.anomalyId} and event = ${alert.event}`;
    if (known?.outcome === 'suppressed') return suppressedBy(known);
    if (alert.event === 'recovered')
      return known === undefined ? decideRecovery(tx, alert) : DELIVER;
    if (cooldown.cooldownSeconds === 0) {
      if (known === undefined) await record(tx, alert, DELIVER);
      return DELIVER;
    }
    if (known !== undefined && (await wasDelivered(tx, alert))) return DELIVER;
    return contend(tx, alert, cooldown);
  });
}

const DELIVER: MadeDecision = { outcome: 'deliver' };

/** A `detected` alert not delivered anywhere yet: the cooldown's claim decides it. */
async function contend(
  tx: TransactionSql,
  alert: AlertMessage,
  cooldown: CooldownSettings,
): Promise<AlertDecision> {
  if (await claimCooldown(tx, alert, cooldown)) {
    await record(tx, alert, DELIVER);
    return DELIVER;
  }
  const held = await countSuppression(tx, alert);
  if (held === undefined)
    return { outcome: 'pending', heldBy: (await cooldownHolder(tx, alert)) ?? null };
  const decision: MadeDecision = { outcome: 'suppressed', reason: 'cooldown', ...held };
  await record(tx, alert, decision);
  return decision;
}

async function decideRecovery(tx: TransactionSql, alert: AlertMessage): Promise<AlertDecision> {
  const [opened] = await tx<{ outcome: string }[]>`
    select outcome from alert_decisions
    where anomaly_id = ${alert.anomalyId} and event = 'detected'`;
  const decision: MadeDecision =
    opened?.outcome === 'suppressed'
      ? {
          outcome: 'suppressed',
          reason: 'detected_suppressed',
          heldBy: null,
          suppressedSince: null,
        }
      : DELIVER;
  await record(tx, alert, decision);
  return decision;
}

/**
 * Stores the decision, or changes a `deliver` nobody received into `suppressed` (the only change
 * the rule allows; the caller never records anything over a suppression).
 */
async function record(
  tx: TransactionSql,
  alert: AlertMessage,
  decision: MadeDecision,
): Promise<void> {
  const suppressed = decision.outcome === 'suppressed' ? decision : undefined;
  await tx`
    insert into alert_decisions (anomaly_id, event, symbol, kind, severity, outcome, reason, held_by)
    values (${alert.anomalyId}, ${alert.event}, ${alert.symbol}, ${alert.kind}, ${alert.severity},
            ${decision.outcome}, ${suppressed?.reason ?? null}, ${suppressed?.heldBy ?? null})
    on conflict (anomaly_id, event) do update
      set outcome = excluded.outcome, reason = excluded.reason, held_by = excluded.held_by,
          decided_at = now()
      where alert_decisions.outcome <> excluded.outcome`;
}

function suppressedBy(row: DecisionRow): MadeDecision {
  return {
    outcome: 'suppressed',
    reason: row.reason ?? 'cooldown',
    heldBy: row.heldBy,
    suppressedSince: null,
  };
}

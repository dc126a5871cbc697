import type { TransactionSql } from 'postgres';
import type { Sql } from '../db/client.js';
import { wasDelivered } from './alert-deliveries.queries.js';
import type { AlertMessage } from './alert-message.js';

/** The alert a cooldown claim is taken, held or given back for: its anomaly, symbol and kind. */
export type CooldownAlert = Pick<AlertMessage, 'anomalyId' | 'symbol' | 'kind'>;

type SqlTag = Sql | TransactionSql;

/**
 * The cooldown of a (symbol, kind) in `alert_cooldowns` (migrations 0013, 0016): one claim at a
 * time, `delivered` (last_sent_at: the cooldown runs from it), `sending` (lease_until ahead: the
 * holder's sends are under way) or `free` (its holder failed everywhere, or died mid-send and its
 * lease ran out). A claim counts only once its holder reached someone, so an alert that is never
 * delivered never silences the rest of its burst; and while it is being sent, the others wait for
 * the outcome instead of racing it, so a burst is told once.
 */

/**
 * Takes the claim for `alert` when it is free, its holder was delivered at least `cooldownSeconds`
 * ago, or it is the alert's own (a redelivery, or the same message handled twice at once): one
 * statement, so across instances one contender wins. A claim taken from another starts `sending`
 * for `leaseSeconds`; the alert's own keeps its state (a delivered one stays delivered).
 *
 * Call it in the decision's transaction: the row stays locked until that commits, whether or not
 * it was taken, so what the caller reads of it next is what the statement saw.
 */
export async function claimCooldown(
  tx: SqlTag,
  alert: CooldownAlert,
  { cooldownSeconds, leaseSeconds }: { cooldownSeconds: number; leaseSeconds: number },
): Promise<boolean> {
  // A concurrent claim of the same (symbol, kind) waits for this row's lock, then re-checks the
  // WHERE on the newest row: it sees the winner's lease and does not update.
  const claimed = await tx`
    insert into alert_cooldowns as c (symbol, kind, anomaly_id, last_sent_at, lease_until)
    values (${alert.symbol}, ${alert.kind}, ${alert.anomalyId}, null,
            now() + make_interval(secs => ${leaseSeconds}))
    on conflict (symbol, kind) do update set
      anomaly_id = excluded.anomaly_id,
      last_sent_at = case when c.anomaly_id = excluded.anomaly_id then c.last_sent_at end,
      lease_until = case when c.anomaly_id = excluded.anomaly_id and c.last_sent_at is not null
                         then c.lease_until else excluded.lease_until end,
      suppressed_since = case when c.anomaly_id = excluded.anomaly_id then c.suppressed_since else 0 end
    where c.anomaly_id = excluded.anomaly_id
       or (c.last_sent_at is null and coalesce(c.lease_until, '-infinity') <= now())
       or c.last_sent_at <= now() - make_interval(secs => ${cooldownSeconds})
    returning 1`;
  return claimed.length > 0;
}

/**
 * After a failed claim: counts `alert` as suppressed when the holder was delivered (within the
 * cooldown, or the claim would have been taken) and returns the holder and the count since its
 * delivery; undefined when the holder is still being sent, which decides nothing yet.
 */
export async function countSuppression(
  tx: SqlTag,
  alert: CooldownAlert,
): Promise<{ heldBy: string; suppressedSince: number } | undefined> {
  const [held] = await tx<{ heldBy: string; suppressedSince: number }[]>`
    update alert_cooldowns
    set suppressed_since = suppressed_since + 1, suppressed_total = suppressed_total + 1
    where symbol = ${alert.symbol} and kind = ${alert.kind} and last_sent_at is not null
    returning anomaly_id::text as "heldBy", suppressed_since as "suppressedSince"`;
  return held;
}

/** The anomaly whose alert holds the claim of `alert`'s (symbol, kind), if any. */
export async function cooldownHolder(
  tx: SqlTag,
  alert: CooldownAlert,
): Promise<string | undefined> {
  const [row] = await tx<{ heldBy: string }[]>`
    select anomaly_id::text as "heldBy" from alert_cooldowns
    where symbol = ${alert.symbol} and kind = ${alert.kind}`;
  return row?.heldBy;
}

/**
 * Before a channel is claimed for `alert`, in the same transaction: whether it may be sent. Yes
 * when it holds a live claim (delivered, or sending, whose lease is then stretched to cover this
 * send: a claim never lapses under a send in flight) or was delivered on some channel already
 * (finishing its other channels is not another alert). No when it lost the claim meanwhile: its
 * send failed and another alert took the claim, which may be out already.
 *
 * The row lock this takes orders it with releaseCooldown: a claim is never given back between this
 * check and the channel's lease being recorded.
 */
export async function holdCooldownForSend(
  tx: TransactionSql,
  alert: CooldownAlert,
  leaseSeconds: number,
): Promise<boolean> {
  const [held] = await tx`
    update alert_cooldowns
    set lease_until = case when last_sent_at is null
                           then greatest(lease_until, now() + make_interval(secs => ${leaseSeconds}))
                           else lease_until end
    where symbol = ${alert.symbol} and kind = ${alert.kind} and anomaly_id = ${alert.anomalyId}
      and (last_sent_at is not null or lease_until > now())
    returning 1`;
  return held !== undefined || wasDelivered(tx, { anomalyId: alert.anomalyId, event: 'detected' });
}

/**
 * `alert` reached a channel: its claim now counts, and the cooldown runs from now. Call it in the
 * transaction that marks the channel sent, so the two are never seen apart.
 */
export async function confirmCooldown(tx: TransactionSql, alert: CooldownAlert): Promise<void> {
  await tx`
    update alert_cooldowns set last_sent_at = now(), lease_until = null
    where symbol = ${alert.symbol} and kind = ${alert.kind} and anomaly_id = ${alert.anomalyId}
      and last_sent_at is null`;
}

/**
 * Gives `alert`'s claim back after its channels all failed, so the next alert of its burst (or its
 * own redelivery) may be sent at once instead of being held back for nothing. Not while a send of
 * it is in flight elsewhere (the same message handled twice at once), nor once a channel took it:
 * then the claim stands. Returns whether it was given back.
 */
export async function releaseCooldown(sql: Sql, alert: CooldownAlert): Promise<boolean> {
  return sql.begin(async (tx) => {
    const [held] = await tx`
      select 1 from alert_cooldowns
      where symbol = ${alert.symbol} and kind = ${alert.kind} and anomaly_id = ${alert.anomalyId}
        and last_sent_at is null
      for update`;
    if (held === undefined) return false;
    // A statement of its own, after the lock: under READ COMMITTED its snapshot includes every
    // channel lease committed by a holdCooldownForSend that held the row before us.
    const [busy] = await tx`
      select 1 from alert_deliveries
      where anomaly_id = ${alert.anomalyId} and event = 'detected'
        and (sent_at is not null or lease_until > now())
      limit 1`;
    if (busy !== undefined) return false;
    await tx`
      update alert_cooldowns set lease_until = null
      where symbol = ${alert.symbol} and kind = ${alert.kind}`;
    return true;
  });
}

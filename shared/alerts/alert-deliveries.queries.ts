import type { TransactionSql } from 'postgres';
import type { Sql } from '../db/client.js';
import type { AlertEvent } from './alert-message.js';

type SqlTag = Sql | TransactionSql;

/** A channel an alert is sent to: the configured ones, or the log when none is. */
export type DeliveryChannel = 'webhook' | 'email' | 'log';

/** One alert event on one channel. */
export interface DeliveryKey {
  anomalyId: string;
  event: AlertEvent;
  channel: DeliveryChannel;
}

/**
 * What claiming a channel found: `claimed` (send now; `attempt` counts this one), `sent` (it
 * already was: do nothing), `busy` (another delivery holds the lease and may be sending right now).
 */
export type DeliveryClaim = { state: 'claimed'; attempt: number } | { state: 'sent' | 'busy' };

/**
 * Takes the right to send `key` for `leaseSeconds`: granted when it was never sent and nobody holds
 * an unexpired lease (a delivery that crashed mid-send lets its lease run out). One statement, so
 * two instances with the same message never both send.
 */
export async function claimDelivery(
  sql: SqlTag,
  key: DeliveryKey,
  leaseSeconds: number,
): Promise<DeliveryClaim> {
  const [claimed] = await sql<{ attempts: number }[]>`
    insert into alert_deliveries as d (anomaly_id, event, channel, lease_until)
    values (${key.anomalyId}, ${key.event}, ${key.channel},
            now() + make_interval(secs => ${leaseSeconds}))
    on conflict (anomaly_id, event, channel) do update
      set attempts = d.attempts + 1, lease_until = excluded.lease_until, updated_at = now()
      where d.sent_at is null and d.lease_until <= now()
    returning attempts`;
  if (claimed !== undefined) return { state: 'claimed', attempt: claimed.attempts };
  const [row] = await sql<{ sent: boolean }[]>`
    select sent_at is not null as sent from alert_deliveries
    where anomaly_id = ${key.anomalyId} and event = ${key.event} and channel = ${key.channel}`;
  return { state: row?.sent === true ? 'sent' : 'busy' };
}

/** Records that `key` was sent: no redelivery sends it again. */
export async function markDelivered(sql: SqlTag, key: DeliveryKey): Promise<void> {
  await sql`
    update alert_deliveries set sent_at = now(), last_error = null, updated_at = now()
    where anomaly_id = ${key.anomalyId} and event = ${key.event} and channel = ${key.channel}`;
}

/** Gives the lease back after a failed send, with the reason, so the next redelivery tries again at once. */
export async function releaseDelivery(sql: Sql, key: DeliveryKey, error: string): Promise<void> {
  await sql`
    update alert_deliveries
    set lease_until = now(), last_error = ${error.slice(0, 1_000)}, updated_at = now()
    where anomaly_id = ${key.anomalyId} and event = ${key.event} and channel = ${key.channel}
      and sent_at is null`;
}

/** Whether some channel took the alert event: a `detected` alert that reached someone keeps its claim. */
export async function wasDelivered(
  sql: SqlTag,
  { anomalyId, event }: Omit<DeliveryKey, 'channel'>,
): Promise<boolean> {
  const [sent] = await sql`
    select 1 from alert_deliveries
    where anomaly_id = ${anomalyId} and event = ${event} and sent_at is not null
    limit 1`;
  return sent !== undefined;
}

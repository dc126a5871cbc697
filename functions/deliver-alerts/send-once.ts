import {
  confirmCooldown,
  holdCooldownForSend,
} from '../../shared/alerts/alert-cooldowns.queries.js';
import {
  claimDelivery,
  markDelivered,
  releaseDelivery,
  type DeliveryClaim,
  type DeliveryKey,
} from '../../shared/alerts/alert-deliveries.queries.js';
import type { AlertMessage } from '../../shared/alerts/alert-message.js';
import type { Sql } from '../../shared/db/client.js';
import type { Logger } from '../../shared/logging/logger.js';
import type { AlertChannel } from './channels/alert-channel.js';

export type SendOutcome = { state: 'sent' | 'already_sent' } | { state: 'failed'; error: string };

export interface SendOnceDeps {
  sql: Sql;
  logger: Logger;
  /** How long a delivery holds a channel (and the cooldown) before another may try it. */
  leaseSeconds: number;
  /** Whether the alert holds its (symbol, kind) cooldown while it is sent: `detected`, with a cooldown. */
  underCooldown: boolean;
}

/**
 * Sends `alert` on `channel` unless it already was. Another instance holding the channel's lease
 * (the same message delivered twice at once) counts as a failure: the redelivery will find it sent,
 * or its lease expired and send it then. An alert under a cooldown is sent only while it still holds
 * the claim (or a channel already took it), checked in the transaction that leases the channel;
 * the channel's success counts the claim, in the transaction that records it.
 */
export async function sendOnce(
  { sql, logger, leaseSeconds, underCooldown }: SendOnceDeps,
  alert: AlertMessage,
  channel: AlertChannel,
): Promise<SendOutcome> {
  const key: DeliveryKey = {
    anomalyId: alert.anomalyId,
    event: alert.event,
    channel: channel.name,
  };
  const claim = await sql.begin(async (tx): Promise<DeliveryClaim | { state: 'lost' }> => {
    if (underCooldown && !(await holdCooldownForSend(tx, alert, leaseSeconds)))
      return { state: 'lost' };
    return claimDelivery(tx, key, leaseSeconds);
  });
  if (claim.state === 'sent') {
    logger.info({ channel: channel.name }, `already sent to ${channel.name}: not sent again`);
    return { state: 'already_sent' };
  }
  if (claim.state === 'busy')
    return { state: 'failed', error: `${channel.name}: being sent by another delivery` };
  if (claim.state === 'lost')
    return {
      state: 'failed',
      error: `${channel.name}: not sent, the ${alert.symbol} ${alert.kind} cooldown went to another alert after this one failed`,
    };
  try {
    await channel.send(alert);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await releaseDelivery(sql, key, message);
    return { state: 'failed', error: message };
  }
  await sql.begin(async (tx) => {
    // The cooldown's row first, as every transaction here takes it before a channel's: a duplicate
    // delivery leasing this channel under the cooldown's lock can never deadlock with this one.
    if (underCooldown) await confirmCooldown(tx, alert);
    await markDelivered(tx, key);
  });
  return { state: 'sent' };
}

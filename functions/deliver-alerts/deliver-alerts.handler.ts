import type { CloudEvent } from '@google-cloud/functions-framework';
import { decideAlert } from '../../shared/alerts/alert-decisions.queries.js';
import {
  claimDelivery,
  markDelivered,
  releaseDelivery,
  type DeliveryKey,
} from '../../shared/alerts/alert-deliveries.queries.js';
import type { AlertMessage, AlertSeverity } from '../../shared/alerts/alert-message.js';
import { alertHeadline } from '../../shared/alerts/alert-text.js';
import type { Sql } from '../../shared/db/client.js';
import { withLogContext } from '../../shared/logging/log-context.js';
import type { Logger } from '../../shared/logging/logger.js';
import {
  messageIdOf,
  pubsubDataOf,
  type PubSubEventData,
} from '../../shared/messaging/pubsub-event.js';
import { recordPubSubRejection } from '../../shared/rejections/record-pubsub-rejection.js';
import type { AlertChannel } from './channels/alert-channel.js';
import { decodeAlert } from './decode-alert.js';

export interface DeliverAlertsDeps {
  sql: Sql;
  logger: Logger;
  /** The channels an alert of a severity goes to (route-alert.ts); never empty. */
  channelsFor: (severity: AlertSeverity) => AlertChannel[];
  /** ALERT_COOLDOWN_SECONDS: per (symbol, kind); 0 never suppresses. */
  cooldownSeconds: number;
  /** How long a delivery holds a channel before another may try it: longer than any send takes. */
  leaseSeconds: number;
}

/**
 * Rejections of the alerts topic are stored beside persist's, in `rejected_messages`, whose
 * message ids must not collide: Pub/Sub ids are unique within a topic only (the emulator counts
 * from 1 for every project), so an alert's carries its topic's name.
 */
export const rejectionIdOf = (messageId: string) => `alerts:${messageId}`;

/** Thrown when a channel did not take the alert: the function fails and Pub/Sub redelivers. */
export class AlertNotDeliveredError extends Error {
  override readonly name = 'AlertNotDeliveredError';
}

/**
 * Handles one message of the `alerts` topic. Returns (Pub/Sub acknowledges) when the alert was
 * sent to every channel its severity routes to, was suppressed, or can never be an alert (recorded
 * as a rejection). Throws when a channel failed, or the database did: Pub/Sub redelivers, and the
 * redelivery sends only to the channels that have not taken it yet; after the subscription's
 * maximum delivery attempts the message goes to the dead-letter topic.
 */
export function createDeliverAlertsHandler(deps: DeliverAlertsDeps) {
  const { sql, logger } = deps;
  return async function deliverAlerts(event: CloudEvent<PubSubEventData>): Promise<void> {
    const data = pubsubDataOf(event);
    const messageId = messageIdOf(event, data);
    await withLogContext({ message_id: messageId }, async () => {
      const decoded = decodeAlert(data);
      if (!decoded.ok) {
        await recordPubSubRejection(sql, rejectionIdOf(messageId), data, decoded);
        logger.warn(
          { reason: decoded.reason, details: decoded.details },
          `alert message rejected: ${decoded.message}`,
        );
        return;
      }
      const { alert } = decoded;
      await withLogContext(
        {
          anomaly_id: alert.anomalyId,
          alert_event: alert.event,
          symbol: alert.symbol,
          kind: alert.kind,
        },
        () => deliver(deps, alert),
      );
    });
  };
}

async function deliver(deps: DeliverAlertsDeps, alert: AlertMessage): Promise<void> {
  const { sql, logger } = deps;
  const decision = await decideAlert(sql, alert, deps.cooldownSeconds);
  if (decision.outcome === 'suppressed') {
    logger.info(
      {
        reason: decision.reason,
        held_by: decision.heldBy,
        suppressed_since: decision.suppressedSince,
        cooldown_seconds: deps.cooldownSeconds,
      },
      decision.reason === 'cooldown'
        ? `alert suppressed by the ${alert.symbol} ${alert.kind} cooldown (anomaly ${decision.heldBy ?? '?'} was sent less than ${deps.cooldownSeconds}s ago): ${alertHeadline(alert)}`
        : `recovery not sent: its detection was suppressed: ${alertHeadline(alert)}`,
    );
    return;
  }
  const channels = deps.channelsFor(alert.severity);
  const outcomes = await Promise.all(channels.map((channel) => sendOnce(deps, alert, channel)));
  const failed = outcomes.filter((outcome) => outcome.state === 'failed');
  const summary = Object.fromEntries(channels.map((c, i) => [c.name, outcomes[i]?.state]));
  if (failed.length > 0) {
    logger.error(
      { channels: summary },
      `alert not delivered everywhere; Pub/Sub will redeliver: ${failed.map((f) => f.error).join('; ')}`,
    );
    throw new AlertNotDeliveredError(failed.map((f) => f.error).join('; '));
  }
  logger.info({ channels: summary }, `alert delivered: ${alertHeadline(alert)}`);
}

type SendOutcome = { state: 'sent' | 'already_sent' } | { state: 'failed'; error: string };

/**
 * Sends `alert` on `channel` unless it already was. Another instance holding the channel's lease
 * (the same message delivered twice at once) counts as a failure: the redelivery will find it sent,
 * or its lease expired and send it then.
 */
async function sendOnce(
  { sql, logger, leaseSeconds }: DeliverAlertsDeps,
  alert: AlertMessage,
  channel: AlertChannel,
): Promise<SendOutcome> {
  const key: DeliveryKey = {
    anomalyId: alert.anomalyId,
    event: alert.event,
    channel: channel.name,
  };
  const claim = await claimDelivery(sql, key, leaseSeconds);
  if (claim.state === 'sent') {
    logger.info({ channel: channel.name }, `already sent to ${channel.name}: not sent again`);
    return { state: 'already_sent' };
  }
  if (claim.state === 'busy')
    return { state: 'failed', error: `${channel.name}: being sent by another delivery` };
  try {
    await channel.send(alert);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await releaseDelivery(sql, key, message);
    return { state: 'failed', error: message };
  }
  await markDelivered(sql, key);
  return { state: 'sent' };
}

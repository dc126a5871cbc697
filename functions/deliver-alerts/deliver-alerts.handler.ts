import type { CloudEvent } from '@google-cloud/functions-framework';
import { releaseCooldown } from '../../shared/alerts/alert-cooldowns.queries.js';
import { decideAlert } from '../../shared/alerts/alert-decisions.queries.js';
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
import { awaitDecision } from './await-decision.js';
import type { AlertChannel } from './channels/alert-channel.js';
import { decodeAlert } from './decode-alert.js';
import { sendOnce } from './send-once.js';

export interface DeliverAlertsDeps {
  sql: Sql;
  logger: Logger;
  /** The channels an alert of a severity goes to (route-alert.ts); never empty. */
  channelsFor: (severity: AlertSeverity) => AlertChannel[];
  /** ALERT_COOLDOWN_SECONDS: per (symbol, kind); 0 never suppresses. */
  cooldownSeconds: number;
  /** How long a delivery holds a channel, and an alert being sent its cooldown, before another may
   * try: longer than any send takes. */
  leaseSeconds: number;
  /** How long an alert waits for the outcome of another alert of its (symbol, kind) being sent before
   * it leaves the decision to a redelivery (await-decision.ts). */
  pendingWaitMs: number;
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
 * Thrown when another alert of the (symbol, kind) was still being sent after the wait: whether this
 * one must go out depends on whether that one gets through, so Pub/Sub redelivers it to decide then.
 */
export class AlertPendingError extends Error {
  override readonly name = 'AlertPendingError';
}

/**
 * Handles one message of the `alerts` topic. Returns (Pub/Sub acknowledges) when the alert was
 * sent to every channel its severity routes to, was suppressed, or can never be an alert (recorded
 * as a rejection). Throws when a channel failed, the database did, or the alert of the same
 * (symbol, kind) holding the cooldown was still being sent after `pendingWaitMs`: Pub/Sub
 * redelivers, and the redelivery sends only to the channels that have not taken it yet; after the
 * subscription's maximum delivery attempts the message goes to the dead-letter topic.
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
  const { sql, logger, cooldownSeconds, leaseSeconds } = deps;
  const decision = await awaitDecision(
    () => decideAlert(sql, alert, { cooldownSeconds, leaseSeconds }),
    deps.pendingWaitMs,
  );
  if (decision.outcome === 'suppressed') {
    logger.info(
      {
        reason: decision.reason,
        held_by: decision.heldBy,
        suppressed_since: decision.suppressedSince,
        cooldown_seconds: cooldownSeconds,
      },
      decision.reason === 'cooldown'
        ? `alert suppressed by the ${alert.symbol} ${alert.kind} cooldown (anomaly ${decision.heldBy ?? '?'} was sent less than ${cooldownSeconds}s ago): ${alertHeadline(alert)}`
        : `recovery not sent: its detection was suppressed: ${alertHeadline(alert)}`,
    );
    return;
  }
  if (decision.outcome === 'pending') {
    const message = `the ${alert.symbol} ${alert.kind} cooldown is claimed by anomaly ${decision.heldBy ?? '?'}, still being sent after ${deps.pendingWaitMs} ms; Pub/Sub will redeliver`;
    logger.info({ held_by: decision.heldBy }, `alert waits: ${message}: ${alertHeadline(alert)}`);
    throw new AlertPendingError(message);
  }
  const underCooldown = alert.event === 'detected' && cooldownSeconds > 0;
  const channels = deps.channelsFor(alert.severity);
  const outcomes = await Promise.all(
    channels.map((channel) =>
      sendOnce({ sql, logger, leaseSeconds, underCooldown }, alert, channel),
    ),
  );
  const failed = outcomes.filter((outcome) => outcome.state === 'failed');
  const summary = Object.fromEntries(channels.map((c, i) => [c.name, outcomes[i]?.state]));
  if (failed.length > 0) {
    // Nobody was told: the claim goes back, so the next alert of the burst (or this one's
    // redelivery) is sent rather than suppressed for the sake of an alert that may never arrive.
    const released =
      underCooldown && failed.length === outcomes.length && (await releaseCooldown(sql, alert));
    logger.error(
      { channels: summary, ...(released && { cooldown_released: true }) },
      `alert not delivered everywhere; Pub/Sub will redeliver: ${failed.map((f) => f.error).join('; ')}`,
    );
    throw new AlertNotDeliveredError(failed.map((f) => f.error).join('; '));
  }
  logger.info({ channels: summary }, `alert delivered: ${alertHeadline(alert)}`);
}

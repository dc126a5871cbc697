import type { Sql } from '../db/client.js';
import { messageIdOf, payloadBytes, type PubSubEventData } from '../messaging/pubsub-event.js';
import { recordRejection as insertRejection } from './rejected-messages.js';

/** Why a message can never be handled: a stable code and what is wrong. */
export interface PubSubRejection {
  reason: string;
  message: string;
  details?: unknown;
}

/**
 * Records a Pub/Sub message that can never be valid, whole, with the reason: what the publisher
 * sent is kept even when it cannot be decoded. Any Pub/Sub-triggered function's rejection
 * (persist's, deliver-alerts') is recorded alike.
 */
export async function recordPubSubRejection(
  sql: Sql,
  messageId: string | undefined,
  data: PubSubEventData | undefined,
  rejection: PubSubRejection,
): Promise<void> {
  const message = data?.message;
  await insertRejection(sql, {
    // A message id is what makes a redelivery one row; a message arriving without one must still
    // be recorded and acknowledged, never fail the insert (NOT NULL) and come back for ever.
    messageId: messageId !== undefined && messageId !== '' ? messageId : messageIdOf({}, data),
    reason: rejection.reason,
    message: rejection.message,
    details: rejection.details,
    attributes: message?.attributes,
    // Undecodable data is kept as the text it arrived as.
    payload:
      payloadBytes(data) ??
      Buffer.from(typeof message?.data === 'string' ? message.data : JSON.stringify(data ?? null)),
    // A forged push may carry any JSON here: only a parsable string is a time.
    publishedAt:
      typeof message?.publishTime === 'string' && !Number.isNaN(Date.parse(message.publishTime))
        ? message.publishTime
        : null,
  });
}

import type { Sql } from '../../shared/db/client.js';
import { recordRejection as insertRejection } from '../../shared/rejections/rejected-messages.js';
import type { PubSubEventData, Rejection } from './decode-message.js';
import { messageIdOf, payloadBytes } from './decode-message.js';

/**
 * Records a message that can never be valid, whole, with the reason: what the publisher sent is
 * kept even when it cannot be decoded. Any Pub/Sub-triggered function's rejection (persist's, or
 * deliver-alerts' with reasons of its own) is recorded alike.
 */
export async function recordRejection(
  sql: Sql,
  messageId: string | undefined,
  data: PubSubEventData | undefined,
  rejection: Omit<Rejection, 'reason'> & { reason: string },
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

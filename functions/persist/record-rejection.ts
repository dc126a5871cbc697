import type { Sql } from '../../shared/db/client.js';
import type { PubSubEventData, Rejection } from './decode-message.js';
import { messageIdOf, payloadBytes } from './decode-message.js';

/** jsonb cannot hold U+0000, which a hostile payload's keys may contain: replace it rather than fail forever. */
function jsonbSafe(value: unknown): never {
  return JSON.parse(JSON.stringify(value ?? null).replaceAll('\\u0000', '\\ufffd')) as never;
}

/**
 * Stores a message that can never be valid, whole, with the reason. Idempotent by message id:
 * a redelivery of the same poison message is one row. Throws on database failure, so the
 * message is redelivered rather than lost.
 */
export async function recordRejection(
  sql: Sql,
  messageId: string | undefined,
  data: PubSubEventData | undefined,
  rejection: Rejection,
): Promise<void> {
  const message = data?.message;
  // A message id is what makes a redelivery one row; a message arriving without one must still be
  // recorded and acknowledged, never fail the insert (NOT NULL) and come back for ever.
  const id = messageId !== undefined && messageId !== '' ? messageId : messageIdOf({}, data);
  // Undecodable data is kept as the text it arrived as, so nothing the publisher sent is lost.
  const payload =
    payloadBytes(data) ??
    Buffer.from(typeof message?.data === 'string' ? message.data : JSON.stringify(data ?? null));
  // A forged push may carry any JSON here: only a parsable string is a time.
  const publishedAt =
    typeof message?.publishTime === 'string' && !Number.isNaN(Date.parse(message.publishTime))
      ? message.publishTime
      : null;
  await sql`
    insert into rejected_messages (message_id, reason, details, attributes, payload, published_at)
    values (
      ${id},
      ${rejection.reason},
      ${sql.json(jsonbSafe({ message: rejection.message, details: rejection.details }))},
      ${message?.attributes === undefined ? null : sql.json(jsonbSafe(message.attributes))},
      ${payload},
      ${publishedAt}
    )
    on conflict (message_id) do nothing`;
}

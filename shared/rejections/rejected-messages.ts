import type { Sql } from '../db/client.js';

/** Bytes of each payload the listing shows; the whole payload stays in the table. */
export const PAYLOAD_EXCERPT_BYTES = 256;

/** A message that can never be stored, as persist records it. */
export interface RejectionRecord {
  messageId: string;
  /** Stable code (persist's RejectionReason). */
  reason: string;
  message: string;
  details?: unknown;
  attributes?: Record<string, string> | undefined;
  /** The payload bytes as they arrived. */
  payload: Buffer;
  publishedAt: string | null;
}

/** A recorded rejection as the listing shows it: the start of the payload only. */
export interface RejectedMessage {
  id: string;
  messageId: string;
  reason: string;
  message: string | null;
  receivedAt: Date;
  publishedAt: Date | null;
  payloadBytes: number;
  /** The first PAYLOAD_EXCERPT_BYTES bytes decoded as UTF-8 (invalid bytes become U+FFFD). */
  payloadExcerpt: string;
}

/** jsonb cannot hold U+0000, which a hostile payload's keys may contain: replace it rather than fail forever. */
function jsonbSafe(value: unknown): never {
  return JSON.parse(JSON.stringify(value ?? null).replaceAll('\\u0000', '\\ufffd')) as never;
}

/**
 * Stores a rejected message whole, with the reason. Idempotent by message id: a redelivery of the
 * same poison message is one row. Throws on database failure, so the message is redelivered
 * rather than lost.
 */
export async function recordRejection(sql: Sql, rejection: RejectionRecord): Promise<void> {
  const { messageId, reason, message, details, attributes, payload, publishedAt } = rejection;
  await sql`
    insert into rejected_messages (message_id, reason, details, attributes, payload, published_at)
    values (
      ${messageId},
      ${reason},
      ${sql.json(jsonbSafe({ message, details }))},
      ${attributes === undefined ? null : sql.json(jsonbSafe(attributes))},
      ${payload},
      ${publishedAt}
    )
    on conflict (message_id) do nothing`;
}

/** The newest recorded rejections, enough of each payload to recognise it. */
export async function listRejectedMessages(sql: Sql, limit: number): Promise<RejectedMessage[]> {
  const rows = await sql<
    (Omit<RejectedMessage, 'payloadBytes' | 'payloadExcerpt'> & {
      payloadBytes: number | null;
      excerpt: Buffer | null;
    })[]
  >`
    select id::text, message_id as "messageId", reason, details->>'message' as message,
           received_at as "receivedAt", published_at as "publishedAt",
           octet_length(payload) as "payloadBytes",
           substring(payload from 1 for ${PAYLOAD_EXCERPT_BYTES}) as excerpt
    from rejected_messages
    order by received_at desc, id desc
    limit ${limit}`;
  return rows.map(({ excerpt, payloadBytes, ...row }) => ({
    ...row,
    payloadBytes: payloadBytes ?? 0,
    payloadExcerpt: excerpt?.toString('utf8') ?? '',
  }));
}

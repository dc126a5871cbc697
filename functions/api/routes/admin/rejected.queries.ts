import type { Sql } from '../../../../shared/db/client.js';

/** Bytes of each payload the listing shows; the whole payload stays in the table. */
export const PAYLOAD_EXCERPT_BYTES = 256;

export interface RejectedMessage {
  id: string;
  message_id: string;
  reason: string;
  message: string | null;
  received_at: string;
  published_at: string | null;
  payload_bytes: number;
  payload_excerpt: string;
}

interface Row {
  id: string;
  message_id: string;
  reason: string;
  message: string | null;
  received_at: Date;
  published_at: Date | null;
  payload_bytes: number | null;
  excerpt: Buffer | null;
}

/**
 * The newest recorded poison messages, each with the start of its payload decoded as UTF-8
 * (invalid bytes become U+FFFD): enough to recognise it without shipping an oversized batch whole.
 */
export async function listRejectedMessages(sql: Sql, limit: number): Promise<RejectedMessage[]> {
  const rows = await sql<Row[]>`
    select id::text, message_id, reason, details->>'message' as message, received_at, published_at,
           octet_length(payload) as payload_bytes,
           substring(payload from 1 for ${PAYLOAD_EXCERPT_BYTES}) as excerpt
    from rejected_messages
    order by received_at desc, id desc
    limit ${limit}`;
  return rows.map((row) => ({
    id: row.id,
    message_id: row.message_id,
    reason: row.reason,
    message: row.message,
    received_at: row.received_at.toISOString(),
    published_at: row.published_at?.toISOString() ?? null,
    payload_bytes: row.payload_bytes ?? 0,
    payload_excerpt: row.excerpt?.toString('utf8') ?? '',
  }));
}

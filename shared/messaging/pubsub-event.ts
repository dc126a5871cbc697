import { createHash } from 'node:crypto';

/**
 * The Pub/Sub push envelope as the Functions Framework hands it to a CloudEvent function, and the
 * reads every Pub/Sub-triggered function (persist, deliver-alerts) makes of it.
 */

/** The `data` of a Pub/Sub `messagePublished` CloudEvent (and of a push request body). */
export interface PubSubEventData {
  message?: {
    data?: string;
    attributes?: Record<string, string>;
    messageId?: string;
    publishTime?: string;
  };
  subscription?: string;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Whether Buffer.from decoded every character of `text` as base64 (the pattern's rule, at a
 * fraction of its cost over a large message): Buffer.from skips the characters it cannot read,
 * leaving fewer bytes than the length promises, and also reads the URL-safe alphabet, refused here.
 */
function decodedWhole(text: string, bytes: Buffer): boolean {
  if (text.length % 4 !== 0) return false;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const firstPad = text.indexOf('=');
  if (firstPad !== -1 && firstPad < text.length - padding) return false;
  if (text.includes('-') || text.includes('_')) return false;
  return bytes.length === (text.length / 4) * 3 - padding;
}

/** The message's payload bytes, when its data is valid base64 (Buffer.from alone silently skips bad characters). */
export function payloadBytes(data: PubSubEventData | undefined): Buffer | undefined {
  const encoded = data?.message?.data;
  if (typeof encoded !== 'string') return undefined;
  const bytes = Buffer.from(encoded, 'base64');
  return decodedWhole(encoded, bytes) || BASE64.test(encoded) ? bytes : undefined;
}

/**
 * The Pub/Sub data of an event. The Functions Framework turns a push into a CloudEvent only
 * when the push has a subscription and its message a messageId and non-empty data; any other push
 * (a message with attributes only, which Pub/Sub allows) reaches the function as the raw push
 * body, with neither `data` nor `id`. Without this, such a message could not even be recorded.
 */
export function pubsubDataOf(event: {
  data?: PubSubEventData | undefined;
}): PubSubEventData | undefined {
  if (event.data !== undefined) return event.data;
  const message: unknown = 'message' in event ? event.message : undefined;
  if (typeof message !== 'object' || message === null) return undefined;
  const subscription: unknown = 'subscription' in event ? event.subscription : undefined;
  // Any JSON may stand in `message`: decodeMessage and messageIdOf read it through typeof checks.
  return { message, ...(typeof subscription === 'string' ? { subscription } : {}) };
}

/**
 * The message's id: Pub/Sub's messageId, else the CloudEvent id, else (a forged push that has
 * neither) a hash of what it carried, so that its redeliveries are still one rejected row.
 */
export function messageIdOf(
  event: { id?: string | undefined },
  data: PubSubEventData | undefined,
): string {
  const messageId: unknown = data?.message?.messageId;
  if (typeof messageId === 'string' && messageId !== '') return messageId;
  const eventId: unknown = event.id;
  if (typeof eventId === 'string' && eventId !== '') return eventId;
  return `unidentified-${createHash('sha256')
    .update(JSON.stringify(data ?? null))
    .digest('hex')}`;
}

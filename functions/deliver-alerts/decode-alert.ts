import { z } from 'zod';
import { alertMessageSchema, type AlertMessage } from '../../shared/alerts/alert-message.js';
import { payloadBytes, type PubSubEventData } from '../../shared/messaging/pubsub-event.js';

/** Stable codes stored in `rejected_messages.reason` for an alert message. */
export type AlertRejectionReason =
  'not_a_pubsub_message' | 'invalid_base64' | 'invalid_utf8' | 'invalid_json' | 'invalid_alert';

export interface AlertRejection {
  reason: AlertRejectionReason;
  message: string;
  details?: unknown;
}

export type DecodedAlert = { ok: true; alert: AlertMessage } | ({ ok: false } & AlertRejection);

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Turns a Pub/Sub event of the `alerts` topic into an alert (shared/alerts/alert-message.ts), or
 * says why it can never be one: such a message is recorded and acknowledged, never retried.
 */
export function decodeAlert(data: PubSubEventData | undefined): DecodedAlert {
  const message = data?.message;
  if (typeof message !== 'object' || typeof message.data !== 'string' || message.data === '')
    return { ok: false, reason: 'not_a_pubsub_message', message: 'event data has no message.data' };
  const bytes = payloadBytes(data);
  if (bytes === undefined)
    return { ok: false, reason: 'invalid_base64', message: 'message.data is not valid base64' };
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(bytes));
  } catch (error) {
    return error instanceof SyntaxError
      ? { ok: false, reason: 'invalid_json', message: `payload is not JSON: ${error.message}` }
      : { ok: false, reason: 'invalid_utf8', message: 'payload is not valid UTF-8' };
  }
  const parsed = alertMessageSchema.safeParse(json);
  if (!parsed.success)
    return {
      ok: false,
      reason: 'invalid_alert',
      message: z.prettifyError(parsed.error).slice(0, 1_000),
      details: parsed.error.issues.slice(0, 20),
    };
  return { ok: true, alert: parsed.data };
}

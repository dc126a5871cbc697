import type { CloudEvent } from '@google-cloud/functions-framework';
import type { PubSubEventData } from '../../functions/persist/decode-message.js';

let counter = 0;

/** A messagePublished CloudEvent as the Functions Framework hands it to persist. */
export function pubsubEvent(
  payload: unknown,
  {
    messageId = `test-${Date.now()}-${++counter}`,
    attributes = { schema: 'trades.v1' },
  }: { messageId?: string; attributes?: Record<string, string> } = {},
): CloudEvent<PubSubEventData> {
  const data = Buffer.from(
    typeof payload === 'string' ? payload : JSON.stringify(payload),
  ).toString('base64');
  return {
    specversion: '1.0',
    id: messageId,
    type: 'google.cloud.pubsub.topic.v1.messagePublished',
    source: '//pubsub.googleapis.com/projects/local/topics/trades',
    data: {
      message: { data, attributes, messageId },
      subscription: 'projects/local/subscriptions/trades-persist',
    },
  };
}

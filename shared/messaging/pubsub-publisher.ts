import { PubSub } from '@google-cloud/pubsub';
import { SCHEMA_ATTRIBUTE, TRADES_V1, type TradeMessageInput } from '../schemas/trade-message.js';
import { PublishError, type TradePublisher } from './trade-publisher.js';

export interface PubSubPublisherOptions {
  projectId: string;
  topic: string;
  /** host:port of the Pub/Sub emulator; unset in the cloud. */
  emulatorHost?: string | undefined;
}

/** Creates the Pub/Sub client for the emulator when a host is given, for Google Cloud otherwise. */
export function createPubSubClient({
  projectId,
  emulatorHost,
}: Omit<PubSubPublisherOptions, 'topic'>): PubSub {
  return new PubSub(
    emulatorHost === undefined
      ? { projectId }
      : { projectId, apiEndpoint: emulatorHost, emulatorMode: true },
  );
}

export function createPubSubPublisher(options: PubSubPublisherOptions): TradePublisher {
  const pubsub = createPubSubClient(options);
  const topic = pubsub.topic(options.topic, {
    messageOrdering: true,
    // A scheduler run publishes a burst of messages at once: send them in few requests, without waiting.
    batching: { maxMessages: 100, maxMilliseconds: 10 },
  });
  return {
    async publish(message: TradeMessageInput, orderingKey: string) {
      try {
        return await topic.publishMessage({
          data: Buffer.from(JSON.stringify(message)),
          attributes: { [SCHEMA_ATTRIBUTE]: TRADES_V1 },
          orderingKey,
        });
      } catch (error) {
        // A failed publish pauses its ordering key until resumed; the next run republishes the same trades.
        topic.resumePublishing(orderingKey);
        throw new PublishError(
          `publishing to ${options.topic} failed: ${error instanceof Error ? error.message : String(error)}`,
          {
            cause: error,
          },
        );
      }
    },
    close: () => pubsub.close(),
  };
}

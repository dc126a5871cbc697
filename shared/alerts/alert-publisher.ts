import type { PubSub, Topic } from '@google-cloud/pubsub';
import { alertAttributes, type AlertMessage } from './alert-message.js';

/** Publishes alert messages to the alerts topic; resolves once Pub/Sub has accepted one. */
export interface AlertPublisher {
  publish(message: AlertMessage): Promise<void>;
  close(): Promise<void>;
}

export interface AlertPublisherOptions {
  projectId: string;
  topic: string;
  /** host:port of the Pub/Sub emulator; unset in the cloud. */
  emulatorHost?: string | undefined;
}

/**
 * The publisher for a function's configuration, or none where nothing could receive: the
 * emulator's project `local` without an emulator (npm start's direct-push fallback), where the
 * events stay in the outbox and GET /anomalies lists them.
 */
export function alertPublisherFor(config: {
  GOOGLE_CLOUD_PROJECT: string;
  ALERTS_TOPIC: string;
  PUBSUB_EMULATOR_HOST?: string | undefined;
}): AlertPublisher | undefined {
  if (config.GOOGLE_CLOUD_PROJECT === 'local' && config.PUBSUB_EMULATOR_HOST === undefined)
    return undefined;
  return createAlertPublisher({
    projectId: config.GOOGLE_CLOUD_PROJECT,
    topic: config.ALERTS_TOPIC,
    emulatorHost: config.PUBSUB_EMULATOR_HOST,
  });
}

/**
 * The Pub/Sub client is loaded on the first alert: persist's cold start, which usually has none
 * to publish, does not pay for loading it.
 */
export function createAlertPublisher(options: AlertPublisherOptions): AlertPublisher {
  let client: Promise<{ pubsub: PubSub; topic: Topic }> | undefined;
  const open = () =>
    (client ??= import('../messaging/pubsub-publisher.js').then(({ createPubSubClient }) => {
      const pubsub = createPubSubClient(options);
      return { pubsub, topic: pubsub.topic(options.topic) };
    }));
  return {
    async publish(message) {
      const { topic } = await open();
      await topic.publishMessage({
        data: Buffer.from(JSON.stringify(message)),
        attributes: alertAttributes(message),
      });
    },
    async close() {
      if (client !== undefined) await (await client).pubsub.close();
    },
  };
}

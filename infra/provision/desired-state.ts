import type { ProvisionConfig } from '../../shared/config/provision-config.js';

/**
 * A topic that triggers a function (deployed with --trigger-topic, Eventarc making the push
 * subscription), and where its messages go after too many failed deliveries.
 */
export interface DesiredTrigger {
  topic: string;
  deadLetterTopic: string;
  /** Keeps the dead letters: without a subscription, a message published to a topic is lost. */
  deadLetterSubscription: string;
  maxDeliveryAttempts: number;
  /** The function the topic triggers, whose Eventarc subscription gets the dead-letter policy. */
  triggerFunction: string;
}

/** Names and settings provision converges the project to, derived from the configuration only. */
export interface DesiredPubSub {
  projectId: string;
  /** trades → persist, alerts → deliver-alerts. */
  triggers: DesiredTrigger[];
  /** Pub/Sub keeps unacknowledged dead letters at most 7 days. */
  deadLetterRetentionSeconds: number;
  minimumBackoffSeconds: number;
  maximumBackoffSeconds: number;
  region: string;
  /** The Google-managed identity that forwards dead letters; it needs both grants. */
  pubsubServiceAgent: string;
}

/** Full resource names, as the Pub/Sub API and IAM use them. */
export const topicPath = (projectId: string, topic: string): string =>
  `projects/${projectId}/topics/${topic}`;
export const subscriptionPath = (projectId: string, subscription: string): string =>
  `projects/${projectId}/subscriptions/${subscription}`;

/** The Pub/Sub part of the desired state. */
export function desiredPubSub(config: ProvisionConfig): DesiredPubSub {
  return {
    projectId: config.GOOGLE_CLOUD_PROJECT,
    triggers: [
      {
        topic: config.PUBSUB_TOPIC,
        deadLetterTopic: config.PUBSUB_DEAD_LETTER_TOPIC,
        deadLetterSubscription: config.PUBSUB_DEAD_LETTER_SUBSCRIPTION,
        maxDeliveryAttempts: config.PUBSUB_MAX_DELIVERY_ATTEMPTS,
        triggerFunction: config.PERSIST_FUNCTION_NAME,
      },
      {
        topic: config.ALERTS_TOPIC,
        deadLetterTopic: config.ALERTS_DEAD_LETTER_TOPIC,
        deadLetterSubscription: config.ALERTS_DEAD_LETTER_SUBSCRIPTION,
        maxDeliveryAttempts: config.ALERTS_MAX_DELIVERY_ATTEMPTS,
        triggerFunction: config.DELIVER_ALERTS_FUNCTION_NAME,
      },
    ],
    deadLetterRetentionSeconds: 7 * 24 * 3600,
    minimumBackoffSeconds: 10,
    maximumBackoffSeconds: 600,
    region: config.GOOGLE_CLOUD_REGION,
    pubsubServiceAgent: `serviceAccount:service-${config.GOOGLE_CLOUD_PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com`,
  };
}

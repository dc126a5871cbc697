import type { ProvisionConfig } from '../../shared/config/provision-config.js';

/** Names and settings provision converges the project to, derived from the configuration only. */
export interface DesiredPubSub {
  projectId: string;
  topic: string;
  deadLetterTopic: string;
  deadLetterSubscription: string;
  maxDeliveryAttempts: number;
  /** Pub/Sub keeps unacknowledged dead letters at most 7 days. */
  deadLetterRetentionSeconds: number;
  minimumBackoffSeconds: number;
  maximumBackoffSeconds: number;
  persistFunction: string;
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
    topic: config.PUBSUB_TOPIC,
    deadLetterTopic: config.PUBSUB_DEAD_LETTER_TOPIC,
    deadLetterSubscription: config.PUBSUB_DEAD_LETTER_SUBSCRIPTION,
    maxDeliveryAttempts: config.PUBSUB_MAX_DELIVERY_ATTEMPTS,
    deadLetterRetentionSeconds: 7 * 24 * 3600,
    minimumBackoffSeconds: 10,
    maximumBackoffSeconds: 600,
    persistFunction: config.PERSIST_FUNCTION_NAME,
    region: config.GOOGLE_CLOUD_REGION,
    pubsubServiceAgent: `serviceAccount:service-${config.GOOGLE_CLOUD_PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com`,
  };
}

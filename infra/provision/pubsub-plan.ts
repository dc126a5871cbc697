import type { ProvisionAction } from './actions.js';
import { subscriptionPath, topicPath, type DesiredPubSub } from './desired-state.js';
import type { ObservedPubSub, ObservedSubscription } from './observed-state.js';
import { isPersistTriggerSubscription } from './persist-subscription.js';

const PUBLISHER = 'roles/pubsub.publisher';
const SUBSCRIBER = 'roles/pubsub.subscriber';

/**
 * The Pub/Sub actions that take `observed` to `desired`: the topics, the dead-letter
 * subscription, the dead-letter policy on the persist trigger's subscription, and the grants the
 * Pub/Sub service agent needs to move a message there. Pure: no client, no clock.
 */
export function planPubSub(desired: DesiredPubSub, observed: ObservedPubSub): ProvisionAction[] {
  const actions: ProvisionAction[] = [];
  const topic = topicPath(desired.projectId, desired.topic);
  const deadLetterTopic = topicPath(desired.projectId, desired.deadLetterTopic);
  const deadLetterSubscription = subscriptionPath(
    desired.projectId,
    desired.deadLetterSubscription,
  );

  for (const name of [topic, deadLetterTopic])
    if (!observed.topics.includes(name)) actions.push({ kind: 'create-topic', topic: name });

  // Without a subscription of its own, a message forwarded to the dead-letter topic is lost.
  if (!observed.subscriptions.some((s) => s.name === deadLetterSubscription))
    actions.push({
      kind: 'create-subscription',
      subscription: deadLetterSubscription,
      topic: deadLetterTopic,
      messageRetentionSeconds: desired.deadLetterRetentionSeconds,
    });

  const grant = (resource: ProvisionAction & { kind: 'grant-role' }) => {
    const members = observed.policies?.[resource.resource.name]?.[resource.role] ?? [];
    if (!members.includes(resource.member)) actions.push(resource);
  };
  grant({
    kind: 'grant-role',
    resource: { type: 'topic', name: deadLetterTopic },
    role: PUBLISHER,
    member: desired.pubsubServiceAgent,
  });

  const persistSubscriptions = observed.subscriptions.filter(
    (s) =>
      s.topic === topic &&
      (s.persistTrigger === true ||
        isPersistTriggerSubscription(s, desired.persistFunction, desired.region)),
  );
  if (persistSubscriptions.length === 0) {
    actions.push({
      kind: 'blocked',
      reason: `no subscription of ${topic} belongs to the ${desired.persistFunction} trigger: deploy ${desired.persistFunction} (gcloud functions deploy ... --trigger-topic=${desired.topic}) first, then run provision again`,
    });
  }
  for (const subscription of persistSubscriptions) {
    if (!hasDesiredDeliveryPolicy(subscription, desired, deadLetterTopic))
      actions.push({
        kind: 'set-dead-letter-policy',
        subscription: subscription.name,
        deadLetterTopic,
        maxDeliveryAttempts: desired.maxDeliveryAttempts,
        minimumBackoffSeconds: desired.minimumBackoffSeconds,
        maximumBackoffSeconds: desired.maximumBackoffSeconds,
      });
    // The service agent acknowledges the message on the source subscription once forwarded.
    grant({
      kind: 'grant-role',
      resource: { type: 'subscription', name: subscription.name },
      role: SUBSCRIBER,
      member: desired.pubsubServiceAgent,
    });
  }
  return actions;
}

function hasDesiredDeliveryPolicy(
  subscription: ObservedSubscription,
  desired: DesiredPubSub,
  deadLetterTopic: string,
): boolean {
  return (
    subscription.deadLetterPolicy?.deadLetterTopic === deadLetterTopic &&
    subscription.deadLetterPolicy.maxDeliveryAttempts === desired.maxDeliveryAttempts &&
    subscription.retryPolicy?.minimumBackoffSeconds === desired.minimumBackoffSeconds &&
    subscription.retryPolicy.maximumBackoffSeconds === desired.maximumBackoffSeconds
  );
}

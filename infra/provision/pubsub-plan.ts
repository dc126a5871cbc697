import type { ProvisionAction } from './actions.js';
import {
  subscriptionPath,
  topicPath,
  type DesiredPubSub,
  type DesiredTrigger,
} from './desired-state.js';
import type { ObservedPubSub, ObservedSubscription } from './observed-state.js';
import { isTriggerSubscription } from './trigger-subscription.js';

const PUBLISHER = 'roles/pubsub.publisher';
const SUBSCRIBER = 'roles/pubsub.subscriber';

/**
 * The Pub/Sub actions that take `observed` to `desired`, for each triggering topic (trades →
 * persist, alerts → deliver-alerts): the topic and its dead-letter topic, the dead-letter
 * subscription, the dead-letter policy on the trigger's subscription, and the grants the Pub/Sub
 * service agent needs to move a message there. Pure: no client, no clock.
 */
export function planPubSub(desired: DesiredPubSub, observed: ObservedPubSub): ProvisionAction[] {
  return desired.triggers.flatMap((trigger) => planTrigger(desired, trigger, observed));
}

function planTrigger(
  desired: DesiredPubSub,
  trigger: DesiredTrigger,
  observed: ObservedPubSub,
): ProvisionAction[] {
  const actions: ProvisionAction[] = [];
  const topic = topicPath(desired.projectId, trigger.topic);
  const deadLetterTopic = topicPath(desired.projectId, trigger.deadLetterTopic);
  const deadLetterSubscription = subscriptionPath(
    desired.projectId,
    trigger.deadLetterSubscription,
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

  const fn = trigger.triggerFunction;
  const triggerSubscriptions = observed.subscriptions.filter(
    (s) =>
      s.topic === topic && (s.triggerOf === fn || isTriggerSubscription(s, fn, desired.region)),
  );
  if (triggerSubscriptions.length === 0) {
    actions.push({
      kind: 'blocked',
      reason: `no subscription of ${topic} belongs to the ${fn} trigger: deploy ${fn} (gcloud functions deploy ... --trigger-topic=${trigger.topic}) first, then run provision again`,
    });
  }
  for (const subscription of triggerSubscriptions) {
    if (!hasDesiredDeliveryPolicy(subscription, desired, trigger, deadLetterTopic))
      actions.push({
        kind: 'set-dead-letter-policy',
        subscription: subscription.name,
        deadLetterTopic,
        maxDeliveryAttempts: trigger.maxDeliveryAttempts,
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
  trigger: DesiredTrigger,
  deadLetterTopic: string,
): boolean {
  return (
    subscription.deadLetterPolicy?.deadLetterTopic === deadLetterTopic &&
    subscription.deadLetterPolicy.maxDeliveryAttempts === trigger.maxDeliveryAttempts &&
    subscription.retryPolicy?.minimumBackoffSeconds === desired.minimumBackoffSeconds &&
    subscription.retryPolicy.maximumBackoffSeconds === desired.maximumBackoffSeconds
  );
}

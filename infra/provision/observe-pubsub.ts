import type { PubSub } from '@google-cloud/pubsub';
import { topicPath, type DesiredPubSub } from './desired-state.js';
import type { ObservedPubSub, ObservedSubscription } from './observed-state.js';

/** Options for {@link observePubSub}. */
export interface ObservePubSubOptions {
  /** Read IAM policies too (the emulator has no IAM: UNIMPLEMENTED). */
  readIam: boolean;
}

/** Reads the topics provision manages, their subscriptions and, optionally, their IAM policies. */
export async function observePubSub(
  pubsub: PubSub,
  desired: DesiredPubSub,
  { readIam }: ObservePubSubOptions,
): Promise<ObservedPubSub> {
  const names = desired.triggers
    .flatMap((trigger) => [trigger.topic, trigger.deadLetterTopic])
    .map((t) => topicPath(desired.projectId, t));
  const topics: string[] = [];
  const subscriptions: ObservedSubscription[] = [];
  for (const name of names) {
    const topic = pubsub.topic(name);
    const [exists] = await topic.exists();
    if (!exists) continue;
    topics.push(name);
    const [subs] = await topic.getSubscriptions();
    for (const sub of subs) {
      const [metadata] = await sub.getMetadata();
      subscriptions.push({
        name: sub.name,
        topic: name,
        pushEndpoint: metadata.pushConfig?.pushEndpoint ?? undefined,
        deadLetterPolicy:
          metadata.deadLetterPolicy?.deadLetterTopic == null
            ? undefined
            : {
                deadLetterTopic: metadata.deadLetterPolicy.deadLetterTopic,
                maxDeliveryAttempts: metadata.deadLetterPolicy.maxDeliveryAttempts ?? 0,
              },
        retryPolicy:
          metadata.retryPolicy == null
            ? undefined
            : {
                minimumBackoffSeconds: Number(metadata.retryPolicy.minimumBackoff?.seconds ?? 0),
                maximumBackoffSeconds: Number(metadata.retryPolicy.maximumBackoff?.seconds ?? 0),
              },
      });
    }
  }
  if (!readIam) return { topics, subscriptions };

  const policies: Record<string, Record<string, string[]>> = {};
  const iamOf = [
    ...topics.map((name) => ({ name, iam: pubsub.topic(name).iam })),
    ...subscriptions.map(({ name }) => ({ name, iam: pubsub.subscription(name).iam })),
  ];
  for (const { name, iam } of iamOf) {
    const [policy] = await iam.getPolicy();
    policies[name] = Object.fromEntries(
      (policy.bindings ?? []).map((b) => [b.role ?? '', b.members ?? []]),
    );
  }
  return { topics, subscriptions, policies };
}

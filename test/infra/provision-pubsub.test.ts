/**
 * Provisioning against the real Pub/Sub emulator: topics, the dead-letter subscriptions, the
 * dead-letter policies on the persist and deliver-alerts triggers' subscriptions, and a second run
 * that changes nothing.
 */
import { PubSub } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startPubSubEmulator,
  type PubSubEmulator,
} from '../../infra/local-stack/pubsub-emulator.js';
import { ProvisionBlockedError, provision } from '../../infra/provision/provision.js';
import { loadProvisionConfig, type ProvisionConfig } from '../../shared/config/provision-config.js';
import { skipWithoutEmulator } from '../support/emulator-required.js';

const PROJECT = 'mdp-provision-test';
const PERSIST_SUBSCRIPTION = `projects/${PROJECT}/subscriptions/eventarc-europe-west1-persist-482913-sub-117`;
const DELIVER_SUBSCRIPTION = `projects/${PROJECT}/subscriptions/eventarc-europe-west1-deliver-alerts-270391-sub-204`;

describe.skipIf(skipWithoutEmulator)('provision against the Pub/Sub emulator', () => {
  let emulator: PubSubEmulator;
  let pubsub: PubSub;
  let config: ProvisionConfig;

  beforeAll(async () => {
    emulator = await startPubSubEmulator({ projectId: PROJECT });
    pubsub = new PubSub({ projectId: PROJECT, apiEndpoint: emulator.host, emulatorMode: true });
    config = loadProvisionConfig({
      GOOGLE_CLOUD_PROJECT: PROJECT,
      GOOGLE_CLOUD_PROJECT_NUMBER: '123456789012',
      GOOGLE_CLOUD_REGION: 'europe-west1',
      INGEST_URL: 'https://ingest-abc123-ew.a.run.app',
      MONITOR_URL: 'https://monitor-abc123-ew.a.run.app',
      SCHEDULER_SERVICE_ACCOUNT: `mdp-scheduler@${PROJECT}.iam.gserviceaccount.com`,
      PUBSUB_EMULATOR_HOST: emulator.host,
    });
  });

  afterAll(async () => {
    await pubsub.close();
    await emulator.stop();
  });

  it('creates what it can, then says the triggers must be deployed first', async () => {
    await expect(provision(config, { pubsub }, { iam: false })).rejects.toThrow(
      /persist trigger.*; .*deliver-alerts trigger/,
    );
    const [topics] = await pubsub.getTopics();
    expect(topics.map((t) => t.name).sort()).toEqual([
      `projects/${PROJECT}/topics/alerts`,
      `projects/${PROJECT}/topics/alerts-dead-letter`,
      `projects/${PROJECT}/topics/trades`,
      `projects/${PROJECT}/topics/trades-dlq`,
    ]);
    for (const [subscription, topic] of [
      ['trades-dlq-sub', 'trades-dlq'],
      ['alerts-dead-letter-sub', 'alerts-dead-letter'],
    ] as const) {
      const [metadata] = await pubsub.subscription(subscription).getMetadata();
      expect(metadata.topic).toBe(`projects/${PROJECT}/topics/${topic}`);
      expect(Number(metadata.messageRetentionDuration?.seconds)).toBe(7 * 24 * 3600);
      // Present without a TTL: the subscription never expires.
      expect(metadata.expirationPolicy?.ttl ?? null).toBeNull();
    }
  });

  it('sets the dead-letter policy on the trigger subscription only, and is idempotent', async () => {
    // What Eventarc creates when persist is deployed with --trigger-topic=trades, and a bystander.
    await pubsub.topic('trades').createSubscription(PERSIST_SUBSCRIPTION, {
      pushConfig: { pushEndpoint: 'http://127.0.0.1:9/persist' },
    });
    await pubsub.topic('trades').createSubscription('trades-audit');
    // Still blocked while deliver-alerts is not deployed, but the persist trigger is done.
    await expect(provision(config, { pubsub }, { iam: false })).rejects.toThrow(
      ProvisionBlockedError,
    );
    await pubsub.topic('alerts').createSubscription(DELIVER_SUBSCRIPTION, {
      pushConfig: { pushEndpoint: 'http://127.0.0.1:9/deliver-alerts' },
    });

    const first = await provision(config, { pubsub }, { iam: false });
    expect(first.map((a) => a.kind)).toEqual([
      'grant-role',
      'grant-role',
      'grant-role',
      'set-dead-letter-policy',
      'grant-role',
    ]);
    const [deliver] = await pubsub.subscription(DELIVER_SUBSCRIPTION).getMetadata();
    expect(deliver.deadLetterPolicy).toEqual({
      deadLetterTopic: `projects/${PROJECT}/topics/alerts-dead-letter`,
      maxDeliveryAttempts: 10,
    });

    const [persist] = await pubsub.subscription(PERSIST_SUBSCRIPTION).getMetadata();
    expect(persist.deadLetterPolicy).toEqual({
      deadLetterTopic: `projects/${PROJECT}/topics/trades-dlq`,
      maxDeliveryAttempts: 10,
    });
    expect(Number(persist.retryPolicy?.minimumBackoff?.seconds)).toBe(10);
    expect(Number(persist.retryPolicy?.maximumBackoff?.seconds)).toBe(600);
    const [audit] = await pubsub.subscription('trades-audit').getMetadata();
    expect(audit.deadLetterPolicy ?? null).toBeNull();

    // The emulator has no IAM, so grants are planned (and skipped) every time; nothing else is.
    const second = await provision(config, { pubsub }, { iam: false });
    expect(second.filter((a) => a.kind !== 'grant-role')).toEqual([]);
  });
});

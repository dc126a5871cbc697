/** The pure planning functions: desired vs observed state, no client. */
import { describe, expect, it } from 'vitest';
import { desiredPubSub } from '../../infra/provision/desired-state.js';
import { isTriggerSubscription } from '../../infra/provision/trigger-subscription.js';
import { planPubSub } from '../../infra/provision/pubsub-plan.js';
import { desiredSchedulerJob, planScheduler } from '../../infra/provision/scheduler-plan.js';
import { dryRunPlan } from '../../infra/provision/provision.js';
import { describeAction } from '../../infra/provision/actions.js';
import { desiredBigQuery, planBigQuery } from '../../infra/provision/bigquery-plan.js';
import { tradeMessageSchema, tradeSchema } from '../../shared/schemas/trade-message.js';
import { ConfigError } from '../../shared/config/config-error.js';
import { loadProvisionConfig } from '../../shared/config/provision-config.js';

const env = {
  GOOGLE_CLOUD_PROJECT: 'my-project',
  GOOGLE_CLOUD_PROJECT_NUMBER: '123456789012',
  GOOGLE_CLOUD_REGION: 'europe-west1',
  INGEST_URL: 'https://ingest-abc123-ew.a.run.app',
  MONITOR_URL: 'https://monitor-abc123-ew.a.run.app',
  SCHEDULER_SERVICE_ACCOUNT: 'mdp-scheduler@my-project.iam.gserviceaccount.com',
};
const config = loadProvisionConfig(env);
const agent = 'serviceAccount:service-123456789012@gcp-sa-pubsub.iam.gserviceaccount.com';

describe('provision configuration', () => {
  it.each(Object.keys(env))('stops naming %s when it is missing', (variable) => {
    expect(() => loadProvisionConfig({ ...env, [variable]: undefined })).toThrow(ConfigError);
    expect(() => loadProvisionConfig({ ...env, [variable]: undefined })).toThrow(variable);
  });
});

describe('the dry-run plan', () => {
  it('names the topics, the dead-letter subscription and the job with its OIDC account', () => {
    const text = dryRunPlan(config).map(describeAction).join('\n');
    expect(text).toContain('create topic projects/my-project/topics/trades\n');
    expect(text).toContain('create topic projects/my-project/topics/trades-dlq');
    expect(text).toContain('subscription projects/my-project/subscriptions/trades-dlq-sub');
    expect(text).toContain('set dead-letter policy on <subscription of the persist trigger');
    expect(text).toContain(
      `roles/pubsub.publisher on topic projects/my-project/topics/trades-dlq to ${agent}`,
    );
    // The alerts topic, which deliver-alerts is deployed on, with its own dead letters.
    expect(text).toContain('create topic projects/my-project/topics/alerts\n');
    expect(text).toContain('create topic projects/my-project/topics/alerts-dead-letter\n');
    expect(text).toContain(
      'create pull subscription projects/my-project/subscriptions/alerts-dead-letter-sub on projects/my-project/topics/alerts-dead-letter (retention 604800s, never expires)',
    );
    expect(text).toContain(
      'set dead-letter policy on <subscription of the deliver-alerts trigger, found at run time>: after 10 delivery attempts to projects/my-project/topics/alerts-dead-letter; retry backoff 10s..600s',
    );
    expect(text).toContain(
      `roles/pubsub.publisher on topic projects/my-project/topics/alerts-dead-letter to ${agent}`,
    );
    expect(text).toContain('jobs/ingest-every-minute: "* * * * *"');
    expect(text).toContain('OIDC token of mdp-scheduler@my-project.iam.gserviceaccount.com');
    // The trades partitions' maintenance: ingest's /maintenance hourly, same identity and audience.
    expect(text).toContain(
      'create scheduler job projects/my-project/locations/europe-west1/jobs/maintain-trades-hourly: "17 * * * *" Etc/UTC, ' +
        'POST https://ingest-abc123-ew.a.run.app/maintenance with an OIDC token of mdp-scheduler@my-project.iam.gserviceaccount.com ' +
        '(audience https://ingest-abc123-ew.a.run.app), 3 retries',
    );
    expect(text).not.toContain('BLOCKED');
  });

  it('has a job of its own for the stale-feed check, POSTing to monitor with its own audience', () => {
    const jobs = dryRunPlan(config).filter((action) => action.kind === 'create-scheduler-job');
    expect(jobs.map((action) => action.job.name)).toEqual([
      'projects/my-project/locations/europe-west1/jobs/ingest-every-minute',
      'projects/my-project/locations/europe-west1/jobs/monitor-every-minute',
      'projects/my-project/locations/europe-west1/jobs/maintain-trades-hourly',
    ]);
    const text = jobs.map(describeAction).join('\n');
    expect(text).toContain(
      'jobs/monitor-every-minute: "* * * * *" Etc/UTC, POST https://monitor-abc123-ew.a.run.app with an OIDC token of mdp-scheduler@my-project.iam.gserviceaccount.com (audience https://monitor-abc123-ew.a.run.app)',
    );
  });
});

describe('planPubSub', () => {
  const desired = desiredPubSub(config);
  const persist = {
    name: 'projects/my-project/subscriptions/eventarc-europe-west1-persist-123456-sub-042',
    topic: 'projects/my-project/topics/trades',
  };
  const deliver = {
    name: 'projects/my-project/subscriptions/eventarc-europe-west1-deliver-alerts-654321-sub-007',
    topic: 'projects/my-project/topics/alerts',
  };
  const converged = {
    topics: [
      'projects/my-project/topics/trades',
      'projects/my-project/topics/trades-dlq',
      'projects/my-project/topics/alerts',
      'projects/my-project/topics/alerts-dead-letter',
    ],
    subscriptions: [
      {
        ...persist,
        deadLetterPolicy: {
          deadLetterTopic: 'projects/my-project/topics/trades-dlq',
          maxDeliveryAttempts: 10,
        },
        retryPolicy: { minimumBackoffSeconds: 10, maximumBackoffSeconds: 600 },
      },
      {
        name: 'projects/my-project/subscriptions/trades-dlq-sub',
        topic: 'projects/my-project/topics/trades-dlq',
      },
      {
        ...deliver,
        deadLetterPolicy: {
          deadLetterTopic: 'projects/my-project/topics/alerts-dead-letter',
          maxDeliveryAttempts: 10,
        },
        retryPolicy: { minimumBackoffSeconds: 10, maximumBackoffSeconds: 600 },
      },
      {
        name: 'projects/my-project/subscriptions/alerts-dead-letter-sub',
        topic: 'projects/my-project/topics/alerts-dead-letter',
      },
    ],
    policies: {
      'projects/my-project/topics/trades-dlq': { 'roles/pubsub.publisher': [agent] },
      [persist.name]: { 'roles/pubsub.subscriber': [agent] },
      'projects/my-project/topics/alerts-dead-letter': { 'roles/pubsub.publisher': [agent] },
      [deliver.name]: { 'roles/pubsub.subscriber': [agent] },
    },
  };

  it('has nothing to do on a converged project', () => {
    expect(planPubSub(desired, converged)).toEqual([]);
  });

  it('plans the missing grant and a changed max delivery attempts', () => {
    const plan = planPubSub(desired, {
      ...converged,
      subscriptions: converged.subscriptions.map((s) =>
        s.name === persist.name
          ? { ...persist, deadLetterPolicy: { deadLetterTopic: 'x', maxDeliveryAttempts: 5 } }
          : s,
      ),
      policies: { ...converged.policies, [persist.name]: {} },
    });
    expect(plan.map((a) => a.kind)).toEqual(['set-dead-letter-policy', 'grant-role']);
  });

  it('is blocked while persist is not deployed', () => {
    const plan = planPubSub(desired, {
      ...converged,
      subscriptions: converged.subscriptions.filter((s) => s.name !== persist.name),
    });
    expect(plan).toEqual([
      {
        kind: 'blocked',
        reason:
          'no subscription of projects/my-project/topics/trades belongs to the persist trigger: deploy persist (gcloud functions deploy ... --trigger-topic=trades) first, then run provision again',
      },
    ]);
  });

  it('sets the alerts dead-letter policy on the deliver-alerts trigger only, with ALERTS_MAX_DELIVERY_ATTEMPTS', () => {
    const fewer = desiredPubSub(loadProvisionConfig({ ...env, ALERTS_MAX_DELIVERY_ATTEMPTS: '5' }));
    expect(planPubSub(fewer, converged)).toEqual([
      {
        kind: 'set-dead-letter-policy',
        subscription: deliver.name,
        deadLetterTopic: 'projects/my-project/topics/alerts-dead-letter',
        maxDeliveryAttempts: 5,
        minimumBackoffSeconds: 10,
        maximumBackoffSeconds: 600,
      },
    ]);
    const withoutDeliver = planPubSub(desired, {
      ...converged,
      subscriptions: converged.subscriptions.filter((s) => s.name !== deliver.name),
    });
    expect(withoutDeliver.map((a) => a.kind)).toEqual(['blocked']);
    expect(withoutDeliver[0]).toMatchObject({
      reason: expect.stringContaining('deliver-alerts') as unknown,
    });
  });
});

describe('isTriggerSubscription', () => {
  it.each([
    ['eventarc-europe-west1-persist-123456-sub-042', undefined, true],
    ['renamed', 'https://persist-abc123def-ew.a.run.app?__GCP_CloudEventsMode=CUSTOM_PUBSUB', true],
    ['renamed', 'https://persist-123456789012.europe-west1.run.app', true],
    ['eventarc-europe-west1-persist-v2-123456-sub-042', undefined, false],
    ['eventarc-europe-west1-api-123456-sub-042', 'https://api-abc123def-ew.a.run.app', false],
    ['trades-audit', undefined, false],
  ])('%s pushing to %s: %s', (name, pushEndpoint, expected) => {
    expect(
      isTriggerSubscription(
        { name: `projects/p/subscriptions/${name}`, pushEndpoint },
        'persist',
        'europe-west1',
      ),
    ).toBe(expected);
  });

  it.each([
    ['eventarc-europe-west1-deliver-alerts-123456-sub-042', undefined, true],
    ['renamed', 'https://deliver-alerts-abc123def-ew.a.run.app', true],
    ['eventarc-europe-west1-persist-123456-sub-042', undefined, false],
  ])('deliver-alerts: %s pushing to %s: %s', (name, pushEndpoint, expected) => {
    expect(
      isTriggerSubscription(
        { name: `projects/p/subscriptions/${name}`, pushEndpoint },
        'deliver-alerts',
        'europe-west1',
      ),
    ).toBe(expected);
  });
});

describe('planScheduler', () => {
  const job = desiredSchedulerJob(config);

  it('creates an absent job, leaves an equal one, updates a changed one', () => {
    expect(planScheduler(job, undefined)).toEqual([{ kind: 'create-scheduler-job', job }]);
    // As the API answers it: enum as a number, durations with string seconds, body as base64.
    const answered = {
      ...job,
      attemptDeadline: { seconds: '60' },
      httpTarget: {
        ...job.httpTarget,
        httpMethod: 1,
        body: 'e30=',
        headers: { 'Content-Type': 'application/json', 'User-Agent': 'Google-Cloud-Scheduler' },
      },
    };
    expect(planScheduler(job, answered)).toEqual([]);
    expect(planScheduler(job, { ...answered, schedule: '*/5 * * * *' })).toEqual([
      { kind: 'update-scheduler-job', job, changedFields: ['schedule'] },
    ]);
  });
});

describe('BigQuery (BIGQUERY_DATASET)', () => {
  const withDataset = loadProvisionConfig({ ...env, BIGQUERY_DATASET: 'market_data' });

  it('is left out unless a dataset is named', () => {
    expect(dryRunPlan(config).some((a) => a.kind.includes('bigquery'))).toBe(false);
    expect(desiredBigQuery(config)).toBeUndefined();
  });

  it('plans the dataset, table, view, grant and subscription in a dry run', () => {
    const text = dryRunPlan(withDataset).map(describeAction).join('\n');
    expect(text).toContain('create BigQuery dataset my-project.market_data in europe-west1');
    expect(text).toMatch(
      /create BigQuery table my-project\.market_data\.trades_messages \(subscription_name, message_id, publish_time, attributes, v, source, trades\), partitioned by day of publish_time, clustered by source/,
    );
    expect(text).toContain('create BigQuery view my-project.market_data.trades');
    expect(text).toContain(
      `grant roles/bigquery.dataEditor on BigQuery table my-project.market_data.trades_messages to ${agent}`,
    );
    expect(text).toContain(
      'create BigQuery subscription projects/my-project/subscriptions/trades-bigquery on projects/my-project/topics/trades: each message to my-project.market_data.trades_messages (use_table_schema, write_metadata)',
    );
    expect(
      dryRunPlan(loadProvisionConfig({ ...env, BIGQUERY_DATASET: 'md', BIGQUERY_LOCATION: 'EU' }))
        .map(describeAction)
        .join('\n'),
    ).toContain('dataset my-project.md in EU');
  });

  it('plans nothing once everything exists, and only what is missing otherwise', () => {
    const desired = desiredBigQuery(withDataset);
    if (desired === undefined) throw new Error('no BigQuery part');
    const everything = {
      dataset: true,
      table: true,
      view: true,
      tablePolicy: { 'roles/bigquery.dataEditor': [agent] },
      subscription: true,
    };
    expect(planBigQuery(desired, everything)).toEqual([]);
    expect(planBigQuery(desired, { ...everything, tablePolicy: {} }).map((a) => a.kind)).toEqual([
      'grant-bigquery-table-role',
    ]);
    expect(
      planBigQuery(desired, { ...everything, subscription: false }).map((a) => a.kind),
    ).toEqual(['create-bigquery-subscription']);
  });

  it('has a table schema whose columns are the trades.v1 fields, plus what Pub/Sub writes', () => {
    const desired = desiredBigQuery(withDataset);
    const columns = desired?.schema.map((f) => f.name) ?? [];
    const metadata = ['subscription_name', 'message_id', 'publish_time', 'attributes'];
    // use_table_schema fills a column from the message field of the same name; write_metadata the rest.
    expect(columns).toEqual([...metadata, ...Object.keys(tradeMessageSchema.shape)]);
    const trades = desired?.schema.find((f) => f.name === 'trades');
    expect(trades?.mode).toBe('REPEATED');
    expect(trades?.fields?.map((f) => f.name)).toEqual(Object.keys(tradeSchema.shape));
  });

  it.each([
    ['BIGQUERY_DATASET', 'market-data'],
    ['BIGQUERY_LOCATION', 'europe'],
  ])('stops naming %s when it is not valid', (variable, value) => {
    expect(() => loadProvisionConfig({ ...env, [variable]: value })).toThrow(variable);
  });
});

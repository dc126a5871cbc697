/** The pure planning functions: desired vs observed state, no client. */
import { describe, expect, it } from 'vitest';
import { desiredPubSub } from '../../infra/provision/desired-state.js';
import { isPersistTriggerSubscription } from '../../infra/provision/persist-subscription.js';
import { planPubSub } from '../../infra/provision/pubsub-plan.js';
import { desiredSchedulerJob, planScheduler } from '../../infra/provision/scheduler-plan.js';
import { dryRunPlan } from '../../infra/provision/provision.js';
import { describeAction } from '../../infra/provision/actions.js';
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
    expect(text).toContain('jobs/ingest-every-minute: "* * * * *"');
    expect(text).toContain('OIDC token of mdp-scheduler@my-project.iam.gserviceaccount.com');
    expect(text).not.toContain('BLOCKED');
  });

  it('has a job of its own for the stale-feed check, POSTing to monitor with its own audience', () => {
    const jobs = dryRunPlan(config).filter((action) => action.kind === 'create-scheduler-job');
    expect(jobs.map((action) => action.job.name)).toEqual([
      'projects/my-project/locations/europe-west1/jobs/ingest-every-minute',
      'projects/my-project/locations/europe-west1/jobs/monitor-every-minute',
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
  const converged = {
    topics: ['projects/my-project/topics/trades', 'projects/my-project/topics/trades-dlq'],
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
    ],
    policies: {
      'projects/my-project/topics/trades-dlq': { 'roles/pubsub.publisher': [agent] },
      [persist.name]: { 'roles/pubsub.subscriber': [agent] },
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
    const plan = planPubSub(desired, { ...converged, subscriptions: [] });
    expect(plan.at(-1)).toMatchObject({ kind: 'blocked' });
  });
});

describe('isPersistTriggerSubscription', () => {
  it.each([
    ['eventarc-europe-west1-persist-123456-sub-042', undefined, true],
    ['renamed', 'https://persist-abc123def-ew.a.run.app?__GCP_CloudEventsMode=CUSTOM_PUBSUB', true],
    ['renamed', 'https://persist-123456789012.europe-west1.run.app', true],
    ['eventarc-europe-west1-persist-v2-123456-sub-042', undefined, false],
    ['eventarc-europe-west1-api-123456-sub-042', 'https://api-abc123def-ew.a.run.app', false],
    ['trades-audit', undefined, false],
  ])('%s pushing to %s: %s', (name, pushEndpoint, expected) => {
    expect(
      isPersistTriggerSubscription(
        { name: `projects/p/subscriptions/${name}`, pushEndpoint },
        'persist',
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

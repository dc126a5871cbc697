/**
 * The Cloud Scheduler job as the client library really sends it: the client in REST fallback mode
 * against a local HTTP server that records each request and answers like the API.
 */
import { createServer } from 'node:http';
import { CloudSchedulerClient } from '@google-cloud/scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applySchedulerActions,
  observeSchedulerJob,
} from '../../infra/provision/scheduler-executor.js';
import { desiredMaintenanceJob } from '../../infra/provision/maintenance-job.js';
import { desiredSchedulerJob, planScheduler } from '../../infra/provision/scheduler-plan.js';
import { loadProvisionConfig } from '../../shared/config/provision-config.js';
import { close, listen } from '../support/http-server.js';

type SchedulerOptions = NonNullable<ConstructorParameters<typeof CloudSchedulerClient>[0]>;

/**
 * The one piece that is not the library's: an auth client that adds no credentials. gax calls its
 * fetch with the request it built (URL, method, headers, JSON body) and expects fetch semantics
 * (an error status is a response, not a throw), which globalThis.fetch has.
 */
const noCredentials = {
  getRequestHeaders: () => Promise.resolve(new Headers()),
  fetch: (url: string, init: { method: string; headers: Headers; body?: string | Buffer }) =>
    fetch(url, { method: init.method, headers: init.headers, body: init.body ?? null }),
};

interface Recorded {
  method: string;
  path: string;
  body: Record<string, unknown> | undefined;
}

const config = loadProvisionConfig({
  GOOGLE_CLOUD_PROJECT: 'my-project',
  GOOGLE_CLOUD_PROJECT_NUMBER: '123456789012',
  GOOGLE_CLOUD_REGION: 'europe-west1',
  INGEST_URL: 'https://ingest-abc123-ew.a.run.app',
  MONITOR_URL: 'https://monitor-abc123-ew.a.run.app',
  SCHEDULER_SERVICE_ACCOUNT: 'mdp-scheduler@my-project.iam.gserviceaccount.com',
});
const JOB = 'projects/my-project/locations/europe-west1/jobs/ingest-every-minute';

describe('the scheduler job on the wire', () => {
  const requests: Recorded[] = [];
  // The job the fake API holds; undefined answers 404 like the real one.
  let stored: Record<string, unknown> | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      const body = text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
      requests.push({ method: req.method ?? '', path: req.url ?? '', body });
      res.setHeader('content-type', 'application/json');
      if (req.method === 'GET' && stored === undefined) {
        res.statusCode = 404;
        res.end(
          JSON.stringify({ error: { code: 404, message: 'Job not found.', status: 'NOT_FOUND' } }),
        );
        return;
      }
      if (req.method === 'POST' || req.method === 'PATCH') stored = body;
      res.end(JSON.stringify(stored));
    });
  });
  let client: CloudSchedulerClient;

  beforeAll(async () => {
    const { port } = new URL(await listen(server));
    client = new CloudSchedulerClient({
      fallback: true,
      protocol: 'http',
      apiEndpoint: '127.0.0.1',
      port: Number(port),
      authClient: noCredentials as unknown as NonNullable<SchedulerOptions['authClient']>,
    });
  });

  afterAll(async () => {
    await client.close();
    await close(server);
  });

  it('creates the job: every minute, POST {} to ingest with an OIDC token, retries', async () => {
    const job = desiredSchedulerJob(config);
    await applySchedulerActions(client, planScheduler(job, await observeSchedulerJob(client, JOB)));

    expect(requests.map((r) => `${r.method} ${r.path.split('?')[0] ?? ''}`)).toEqual([
      `GET /v1/${JOB}`,
      'POST /v1/projects/my-project/locations/europe-west1/jobs',
    ]);
    const sent = requests[1]?.body ?? {};
    expect(sent).toMatchObject({
      name: JOB,
      schedule: '* * * * *',
      timeZone: 'Etc/UTC',
      attemptDeadline: '60s',
      httpTarget: {
        uri: 'https://ingest-abc123-ew.a.run.app',
        headers: { 'Content-Type': 'application/json' },
        body: Buffer.from('{}').toString('base64'),
        oidcToken: {
          serviceAccountEmail: 'mdp-scheduler@my-project.iam.gserviceaccount.com',
          audience: 'https://ingest-abc123-ew.a.run.app',
        },
      },
      retryConfig: {
        retryCount: 3,
        maxRetryDuration: '50s',
        minBackoffDuration: '5s',
        maxBackoffDuration: '20s',
        maxDoublings: 2,
      },
    });
    // REST sends enums as numbers (POST = 1) or names, depending on the client's settings.
    expect([1, 'POST']).toContain((sent['httpTarget'] as Record<string, unknown>)['httpMethod']);
  });

  it('then finds it equal, and updates only when it differs', async () => {
    const job = desiredSchedulerJob(config);
    expect(planScheduler(job, await observeSchedulerJob(client, JOB))).toEqual([]);

    stored = { ...stored, schedule: '*/5 * * * *' };
    requests.length = 0;
    const plan = planScheduler(job, await observeSchedulerJob(client, JOB));
    expect(plan).toMatchObject([{ kind: 'update-scheduler-job', changedFields: ['schedule'] }]);
    await applySchedulerActions(client, plan);
    const patch = requests.find((r) => r.method === 'PATCH');
    expect(patch?.path).toMatch(new RegExp(`^/v1/${JOB}\\?`));
    expect(decodeURIComponent(patch?.path ?? '')).toContain(
      'updateMask=description,schedule,time_zone,attempt_deadline,http_target,retry_config',
    );
    expect(patch?.body).toMatchObject({ schedule: '* * * * *' });
  });

  it('creates the maintenance job: hourly, POST to ingest /maintenance with the same OIDC identity', async () => {
    const job = desiredMaintenanceJob(config);
    const name = 'projects/my-project/locations/europe-west1/jobs/maintain-trades-hourly';
    stored = undefined;
    requests.length = 0;
    await applySchedulerActions(
      client,
      planScheduler(job, await observeSchedulerJob(client, name)),
    );
    expect(requests[1]?.body).toMatchObject({
      name,
      schedule: '17 * * * *',
      attemptDeadline: '300s',
      httpTarget: {
        uri: 'https://ingest-abc123-ew.a.run.app/maintenance',
        oidcToken: {
          serviceAccountEmail: 'mdp-scheduler@my-project.iam.gserviceaccount.com',
          audience: 'https://ingest-abc123-ew.a.run.app',
        },
      },
      retryConfig: { retryCount: 3, minBackoffDuration: '60s' },
    });
    expect(planScheduler(job, await observeSchedulerJob(client, name))).toEqual([]);
  });
});

/**
 * The BigQuery part of `npm run provision` (BIGQUERY_DATASET): the dataset, the table of messages
 * (its schema from infra/bigquery/, day partitions, clustering), the view of trades, the service
 * agent's grant, and the BigQuery subscription. BigQuery as the client library really calls it,
 * against a local HTTP server that records each request and answers like the API (BigQuery has no
 * emulator); the subscription on the real Pub/Sub emulator, which keeps its BigQuery settings.
 */
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BigQuery } from '@google-cloud/bigquery';
import { PubSub } from '@google-cloud/pubsub';
import { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startPubSubEmulator,
  type PubSubEmulator,
} from '../../infra/local-stack/pubsub-emulator.js';
import { provision } from '../../infra/provision/provision.js';
import { loadProvisionConfig, type ProvisionConfig } from '../../shared/config/provision-config.js';
import { skipWithoutEmulator } from '../support/emulator-required.js';
import { close, listen } from '../support/http-server.js';

const PROJECT = 'mdp-bigquery-test';
const AGENT = 'serviceAccount:service-123456789012@gcp-sa-pubsub.iam.gserviceaccount.com';
const BASE = `/bigquery/v2/projects/${PROJECT}/datasets`;

interface Recorded {
  method: string;
  path: string;
  body: Record<string, unknown> | undefined;
}

type BigQueryOptions = NonNullable<ConstructorParameters<typeof BigQuery>[0]>;

/**
 * The one piece that is not the library's: a token that needs no Google sign-in. The BigQuery
 * library types its own copy of google-auth-library, the same class at runtime.
 */
function offlineAuth(): NonNullable<BigQueryOptions['authClient']> {
  const client = new OAuth2Client();
  client.setCredentials({ access_token: 'test-token', expiry_date: Date.now() + 3_600_000 });
  return client as unknown as NonNullable<BigQueryOptions['authClient']>;
}

describe.skipIf(skipWithoutEmulator)('provision with BIGQUERY_DATASET', () => {
  const requests: Recorded[] = [];
  /** What the fake BigQuery holds, by path below BASE; absent answers 404 like the API. */
  const resources = new Map<string, Record<string, unknown>>();
  let policy: { bindings: { role: string; members: string[] }[]; etag: string } = {
    bindings: [],
    etag: 'BwAAAA==',
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      const body = text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
      const path = (req.url ?? '').split('?')[0] ?? '';
      requests.push({ method: req.method ?? '', path, body });
      const [status, json] = respond(req.method ?? '', path, body);
      res.setHeader('content-type', 'application/json');
      res.statusCode = status;
      res.end(JSON.stringify(json));
    });
  });
  /** The API's answer: a created resource is stored under its path, then found there. */
  function respond(
    method: string,
    path: string,
    body: Record<string, unknown> | undefined,
  ): [number, unknown] {
    if (path.endsWith(':getIamPolicy')) return [200, policy];
    if (path.endsWith(':setIamPolicy')) {
      policy = (body as { policy: typeof policy }).policy;
      return [200, policy];
    }
    const below = path.slice(BASE.length);
    if (method === 'POST' && body !== undefined) {
      const reference = (body.tableReference ?? body.datasetReference) as Record<string, string>;
      // POST /datasets creates /D; POST /D/tables creates /D/tables/T.
      const id = reference.tableId ?? reference.datasetId ?? '';
      resources.set(`${below}/${id}`, body);
      return [200, body];
    }
    const found = resources.get(below);
    return found === undefined
      ? [404, { error: { code: 404, message: `Not found: ${path}` } }]
      : [200, found];
  }
  let emulator: PubSubEmulator;
  let pubsub: PubSub;
  let bigquery: BigQuery;
  let config: ProvisionConfig;

  beforeAll(async () => {
    emulator = await startPubSubEmulator({ projectId: PROJECT });
    pubsub = new PubSub({ projectId: PROJECT, apiEndpoint: emulator.host, emulatorMode: true });
    bigquery = new BigQuery({
      projectId: PROJECT,
      apiEndpoint: await listen(server),
      authClient: offlineAuth(),
    });
    config = loadProvisionConfig({
      GOOGLE_CLOUD_PROJECT: PROJECT,
      GOOGLE_CLOUD_PROJECT_NUMBER: '123456789012',
      GOOGLE_CLOUD_REGION: 'europe-west1',
      INGEST_URL: 'https://ingest-abc123-ew.a.run.app',
      MONITOR_URL: 'https://monitor-abc123-ew.a.run.app',
      SCHEDULER_SERVICE_ACCOUNT: `mdp-scheduler@${PROJECT}.iam.gserviceaccount.com`,
      PUBSUB_EMULATOR_HOST: emulator.host,
      BIGQUERY_DATASET: 'market_data',
    });
    // What Eventarc creates when persist and deliver-alerts are deployed: provision is not blocked.
    await pubsub.createTopic('trades');
    await pubsub
      .topic('trades')
      .createSubscription(
        `projects/${PROJECT}/subscriptions/eventarc-europe-west1-persist-482913-sub-117`,
        { pushConfig: { pushEndpoint: 'http://127.0.0.1:9/persist' } },
      );
    await pubsub.createTopic('alerts');
    await pubsub
      .topic('alerts')
      .createSubscription(
        `projects/${PROJECT}/subscriptions/eventarc-europe-west1-deliver-alerts-270391-sub-204`,
        { pushConfig: { pushEndpoint: 'http://127.0.0.1:9/deliver-alerts' } },
      );
  });

  afterAll(async () => {
    await pubsub.close();
    await emulator.stop();
    await close(server);
  });

  it('creates the dataset, table, view, grant and subscription, in that order', async () => {
    const done = await provision(config, { pubsub, bigquery }, { iam: false });
    expect(done.filter((a) => a.kind.includes('bigquery')).map((a) => a.kind)).toEqual([
      'create-bigquery-dataset',
      'create-bigquery-table',
      'create-bigquery-view',
      'grant-bigquery-table-role',
      'create-bigquery-subscription',
    ]);
    const posts = requests.filter((r) => r.method === 'POST' && !r.path.includes(':'));
    expect(posts.map((r) => r.path)).toEqual([
      BASE,
      `${BASE}/market_data/tables`,
      `${BASE}/market_data/tables`,
    ]);
    expect(posts[0]?.body).toMatchObject({
      datasetReference: { datasetId: 'market_data' },
      location: 'europe-west1',
    });
    const schema = JSON.parse(
      await readFile(
        join(import.meta.dirname, '../../infra/bigquery/trades-messages.schema.json'),
        'utf8',
      ),
    ) as unknown;
    expect(posts[1]?.body).toMatchObject({
      tableReference: { tableId: 'trades_messages' },
      schema: { fields: schema },
      timePartitioning: { type: 'DAY', field: 'publish_time' },
      clustering: { fields: ['source'] },
    });
    const view = posts[2]?.body?.view as { query: string; useLegacySql: boolean };
    expect(view.useLegacySql).toBe(false);
    expect(view.query).toContain(
      `FROM \`${PROJECT}.market_data.trades_messages\` AS m, UNNEST(m.trades)`,
    );
    expect(policy.bindings).toEqual([{ role: 'roles/bigquery.dataEditor', members: [AGENT] }]);

    const [subscription] = await pubsub.subscription('trades-bigquery').getMetadata();
    expect(subscription.topic).toBe(`projects/${PROJECT}/topics/trades`);
    expect(subscription.bigqueryConfig).toMatchObject({
      table: `${PROJECT}.market_data.trades_messages`,
      useTableSchema: true,
      writeMetadata: true,
    });
  });

  it('finds everything in place on a second run and changes nothing', async () => {
    requests.length = 0;
    const again = await provision(config, { pubsub, bigquery }, { iam: false });
    expect(again.filter((a) => a.kind.includes('bigquery'))).toEqual([]);
    expect(requests.filter((r) => r.method !== 'GET' && !r.path.endsWith(':getIamPolicy'))).toEqual(
      [],
    );
  });
});

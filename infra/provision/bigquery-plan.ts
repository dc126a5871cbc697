import { readFileSync } from 'node:fs';
import type { ProvisionConfig } from '../../shared/config/provision-config.js';
import type { BigQueryField, ProvisionAction } from './actions.js';
import { subscriptionPath, topicPath } from './desired-state.js';

/** The table's schema, kept in the repository beside the SQL that reads it. */
const SCHEMA_PATH = new URL('../bigquery/trades-messages.schema.json', import.meta.url);

/** What the BigQuery part converges to; undefined when BIGQUERY_DATASET is unset (opt-in). */
export interface DesiredBigQuery {
  projectId: string;
  dataset: string;
  location: string;
  table: string;
  view: string;
  schema: BigQueryField[];
  /** Full names. */
  topic: string;
  subscription: string;
  /** The identity that writes the rows: the Pub/Sub service agent. */
  writer: string;
}

/** What exists of it. */
export interface ObservedBigQuery {
  dataset: boolean;
  table: boolean;
  view: boolean;
  /** Members per role on the table; undefined when not read. */
  tablePolicy?: Record<string, string[]> | undefined;
  subscription: boolean;
}

/** The IAM role the service agent needs on the table: write rows and read its metadata. */
export const TABLE_WRITER_ROLE = 'roles/bigquery.dataEditor';

export function desiredBigQuery(config: ProvisionConfig): DesiredBigQuery | undefined {
  if (config.BIGQUERY_DATASET === undefined) return undefined;
  return {
    projectId: config.GOOGLE_CLOUD_PROJECT,
    dataset: config.BIGQUERY_DATASET,
    location: config.BIGQUERY_LOCATION ?? config.GOOGLE_CLOUD_REGION,
    table: config.BIGQUERY_MESSAGES_TABLE,
    view: config.BIGQUERY_TRADES_VIEW,
    schema: JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as BigQueryField[],
    topic: topicPath(config.GOOGLE_CLOUD_PROJECT, config.PUBSUB_TOPIC),
    subscription: subscriptionPath(config.GOOGLE_CLOUD_PROJECT, config.BIGQUERY_SUBSCRIPTION),
    writer: `serviceAccount:service-${config.GOOGLE_CLOUD_PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com`,
  };
}

/**
 * One row per trade from the rows of messages, typed (BIGNUMERIC keeps every digit of our
 * NUMERIC(28, 8)). `pos` is the trade's place in its message: with publish_time, the order
 * persist stores trades of one instant in. Not deduplicated: the subscription delivers at least
 * once, so a redelivered message's trades appear twice, and a query removes them over the rows it
 * reads (docs/deploy.md); deduplicating here would make every query read the whole table, since
 * no filter on publish_time could be pushed below a window over all of it.
 */
export function tradesViewQuery(
  d: Pick<DesiredBigQuery, 'projectId' | 'dataset' | 'table'>,
): string {
  return `SELECT
  t.trade_id,
  t.symbol,
  CAST(t.price AS BIGNUMERIC) AS price,
  CAST(t.volume AS BIGNUMERIC) AS volume,
  TIMESTAMP(t.ts) AS ts,
  m.source,
  m.publish_time,
  pos,
  m.message_id
FROM \`${d.projectId}.${d.dataset}.${d.table}\` AS m, UNNEST(m.trades) AS t WITH OFFSET AS pos`;
}

/**
 * The actions that take `observed` to `desired`, in the order they can be carried out: the
 * dataset, the table, the view, the service agent's grant on the table, then the subscription,
 * which Pub/Sub refuses to create until it may write to the table. Pure.
 */
export function planBigQuery(
  desired: DesiredBigQuery,
  observed: ObservedBigQuery,
): ProvisionAction[] {
  const { projectId, dataset, table } = desired;
  const actions: ProvisionAction[] = [];
  if (!observed.dataset)
    actions.push({
      kind: 'create-bigquery-dataset',
      projectId,
      dataset,
      location: desired.location,
    });
  if (!observed.table)
    actions.push({
      kind: 'create-bigquery-table',
      projectId,
      dataset,
      table,
      schema: desired.schema,
      // The message's own columns are a batch of trades: only Pub/Sub's columns are top level.
      partitionField: 'publish_time',
      clustering: ['source'],
    });
  if (!observed.view)
    actions.push({
      kind: 'create-bigquery-view',
      projectId,
      dataset,
      view: desired.view,
      query: tradesViewQuery(desired),
    });
  if (!(observed.tablePolicy?.[TABLE_WRITER_ROLE] ?? []).includes(desired.writer))
    actions.push({
      kind: 'grant-bigquery-table-role',
      projectId,
      dataset,
      table,
      role: TABLE_WRITER_ROLE,
      member: desired.writer,
    });
  if (!observed.subscription)
    actions.push({
      kind: 'create-bigquery-subscription',
      subscription: desired.subscription,
      topic: desired.topic,
      table: `${projectId}.${dataset}.${table}`,
    });
  return actions;
}

import type { BigQuery } from '@google-cloud/bigquery';
import type { PubSub } from '@google-cloud/pubsub';
import type { ProvisionAction } from './actions.js';
import type { DesiredBigQuery, ObservedBigQuery } from './bigquery-plan.js';

/** Reads what exists of the BigQuery part: the dataset, table, view, table policy, subscription. */
export async function observeBigQuery(
  bigquery: BigQuery,
  pubsub: PubSub,
  desired: DesiredBigQuery,
): Promise<ObservedBigQuery> {
  const dataset = bigquery.dataset(desired.dataset, { projectId: desired.projectId });
  const [datasetExists] = await dataset.exists();
  const [subscription] = await pubsub.subscription(desired.subscription).exists();
  if (!datasetExists) return { dataset: false, table: false, view: false, subscription };
  const table = dataset.table(desired.table);
  const [[tableExists], [viewExists]] = await Promise.all([
    table.exists(),
    dataset.table(desired.view).exists(),
  ]);
  let tablePolicy: Record<string, string[]> | undefined;
  if (tableExists) {
    const [policy] = await table.getIamPolicy();
    tablePolicy = Object.fromEntries(
      (policy.bindings ?? []).map((b) => [b.role ?? '', b.members ?? []]),
    );
  }
  return { dataset: true, table: tableExists, view: viewExists, tablePolicy, subscription };
}

/** Carries out the BigQuery actions of a plan, in order; other kinds are left to their executor. */
export async function applyBigQueryActions(
  bigquery: BigQuery,
  pubsub: PubSub,
  actions: ProvisionAction[],
  onDone?: (action: ProvisionAction) => void,
): Promise<void> {
  for (const action of actions) {
    switch (action.kind) {
      case 'create-bigquery-dataset':
        await tolerateExisting(
          bigquery.createDataset(action.dataset, {
            projectId: action.projectId,
            location: action.location,
          }),
        );
        break;
      case 'create-bigquery-table':
        await tolerateExisting(
          bigquery
            .dataset(action.dataset, { projectId: action.projectId })
            .createTable(action.table, {
              schema: { fields: action.schema },
              timePartitioning: { type: 'DAY', field: action.partitionField },
              clustering: { fields: action.clustering },
            }),
        );
        break;
      case 'create-bigquery-view':
        await tolerateExisting(
          bigquery
            .dataset(action.dataset, { projectId: action.projectId })
            .createTable(action.view, { view: { query: action.query, useLegacySql: false } }),
        );
        break;
      case 'grant-bigquery-table-role': {
        const table = bigquery
          .dataset(action.dataset, { projectId: action.projectId })
          .table(action.table);
        // Read-modify-write with the policy's etag: a concurrent change fails instead of being lost.
        const [policy] = await table.getIamPolicy();
        const bindings = policy.bindings ?? [];
        const binding = bindings.find((b) => b.role === action.role);
        if (binding?.members?.includes(action.member) !== true) {
          if (binding === undefined) bindings.push({ role: action.role, members: [action.member] });
          else binding.members = [...(binding.members ?? []), action.member];
          await table.setIamPolicy({ ...policy, bindings });
        }
        break;
      }
      case 'create-bigquery-subscription':
        await tolerateExisting(
          pubsub.topic(action.topic).createSubscription(action.subscription, {
            bigqueryConfig: {
              table: action.table,
              // The message's JSON fields fill the table's columns of the same names.
              useTableSchema: true,
              // subscription_name, message_id, publish_time and attributes columns.
              writeMetadata: true,
            },
          }),
        );
        break;
      default:
        continue;
    }
    onDone?.(action);
  }
}

/** Created meanwhile by another run (BigQuery 409, Pub/Sub ALREADY_EXISTS 6): the goal is reached. */
async function tolerateExisting(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : 0;
    if (code === 409 || code === 6) return;
    throw error;
  }
}

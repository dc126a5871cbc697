import type { protos } from '@google-cloud/scheduler';

/** A Cloud Scheduler job as the client library takes it. */
export type SchedulerJob = protos.google.cloud.scheduler.v1.IJob;

/** A column of a BigQuery table, in the JSON form `bq` and the REST API take. */
export interface BigQueryField {
  name: string;
  type: string;
  mode?: 'NULLABLE' | 'REQUIRED' | 'REPEATED';
  description?: string;
  fields?: BigQueryField[];
}

/** A Pub/Sub resource that carries an IAM policy. */
export interface IamResource {
  type: 'topic' | 'subscription';
  /** Full name: projects/P/topics/T or projects/P/subscriptions/S. */
  name: string;
}

/**
 * One change the provisioning makes. Plans are lists of these, computed from the desired and the
 * observed state by pure functions; the executors only carry them out.
 */
export type ProvisionAction =
  | { kind: 'create-topic'; topic: string }
  | {
      kind: 'create-subscription';
      subscription: string;
      topic: string;
      messageRetentionSeconds: number;
    }
  | {
      kind: 'set-dead-letter-policy';
      subscription: string;
      deadLetterTopic: string;
      maxDeliveryAttempts: number;
      minimumBackoffSeconds: number;
      maximumBackoffSeconds: number;
    }
  | { kind: 'grant-role'; resource: IamResource; role: string; member: string }
  | { kind: 'create-bigquery-dataset'; projectId: string; dataset: string; location: string }
  | {
      kind: 'create-bigquery-table';
      projectId: string;
      dataset: string;
      table: string;
      /** BigQuery's JSON schema (infra/bigquery/trades-messages.schema.json). */
      schema: BigQueryField[];
      /** Day partitions on this TIMESTAMP column. */
      partitionField: string;
      clustering: string[];
    }
  | {
      kind: 'create-bigquery-view';
      projectId: string;
      dataset: string;
      view: string;
      query: string;
    }
  | {
      kind: 'grant-bigquery-table-role';
      projectId: string;
      dataset: string;
      table: string;
      role: string;
      member: string;
    }
  | {
      kind: 'create-bigquery-subscription';
      subscription: string;
      topic: string;
      /** PROJECT.DATASET.TABLE */
      table: string;
    }
  | { kind: 'create-scheduler-job'; job: SchedulerJob }
  | { kind: 'update-scheduler-job'; job: SchedulerJob; changedFields: string[] }
  /** Something provision cannot do itself; the run fails after doing the rest. */
  | { kind: 'blocked'; reason: string };

/** One line per action, for the plan a dry run prints and the log of a real run. */
export function describeAction(action: ProvisionAction): string {
  switch (action.kind) {
    case 'create-topic':
      return `create topic ${action.topic}`;
    case 'create-subscription':
      return `create pull subscription ${action.subscription} on ${action.topic} (retention ${action.messageRetentionSeconds}s, never expires)`;
    case 'set-dead-letter-policy':
      return `set dead-letter policy on ${action.subscription}: after ${action.maxDeliveryAttempts} delivery attempts to ${action.deadLetterTopic}; retry backoff ${action.minimumBackoffSeconds}s..${action.maximumBackoffSeconds}s`;
    case 'grant-role':
      return `grant ${action.role} on ${action.resource.type} ${action.resource.name} to ${action.member}`;
    case 'create-scheduler-job':
    case 'update-scheduler-job': {
      const { job } = action;
      const target = job.httpTarget;
      const verb = action.kind === 'create-scheduler-job' ? 'create' : 'update';
      const changed =
        action.kind === 'update-scheduler-job'
          ? ` (changed: ${action.changedFields.join(', ')})`
          : '';
      return `${verb} scheduler job ${job.name ?? '?'}${changed}: "${job.schedule ?? '?'}" ${job.timeZone ?? ''}, POST ${target?.uri ?? '?'} with an OIDC token of ${target?.oidcToken?.serviceAccountEmail ?? '?'} (audience ${target?.oidcToken?.audience ?? '?'}), ${job.retryConfig?.retryCount ?? 0} retries`;
    }
    case 'create-bigquery-dataset':
      return `create BigQuery dataset ${action.projectId}.${action.dataset} in ${action.location}`;
    case 'create-bigquery-table':
      return `create BigQuery table ${action.projectId}.${action.dataset}.${action.table} (${action.schema.map((f) => f.name).join(', ')}), partitioned by day of ${action.partitionField}, clustered by ${action.clustering.join(', ')}`;
    case 'create-bigquery-view':
      return `create BigQuery view ${action.projectId}.${action.dataset}.${action.view}: one row per trade`;
    case 'grant-bigquery-table-role':
      return `grant ${action.role} on BigQuery table ${action.projectId}.${action.dataset}.${action.table} to ${action.member}`;
    case 'create-bigquery-subscription':
      return `create BigQuery subscription ${action.subscription} on ${action.topic}: each message to ${action.table} (use_table_schema, write_metadata)`;
    case 'blocked':
      return `BLOCKED: ${action.reason}`;
  }
}

import type { BigQuery } from '@google-cloud/bigquery';
import type { PubSub } from '@google-cloud/pubsub';
import type { CloudSchedulerClient } from '@google-cloud/scheduler';
import type { ProvisionConfig } from '../../shared/config/provision-config.js';
import { describeAction, type ProvisionAction } from './actions.js';
import { applyPubSubActions } from './apply-pubsub.js';
import { applyBigQueryActions, observeBigQuery } from './bigquery-executor.js';
import { desiredBigQuery, planBigQuery } from './bigquery-plan.js';
import { desiredPubSub, topicPath } from './desired-state.js';
import { desiredMaintenanceJob } from './maintenance-job.js';
import { dryRunObservation } from './observed-state.js';
import { observePubSub } from './observe-pubsub.js';
import { planPubSub } from './pubsub-plan.js';
import { applySchedulerActions, observeSchedulerJob } from './scheduler-executor.js';
import { desiredSchedulerJobs, planScheduler } from './scheduler-plan.js';

/** The clients a real run uses; undefined scheduler skips the job (the emulator has none). */
export interface ProvisionClients {
  pubsub: PubSub;
  scheduler?: CloudSchedulerClient | undefined;
  /** Needed when BIGQUERY_DATASET is set; undefined skips BigQuery (the emulator has none). */
  bigquery?: BigQuery | undefined;
}

/** Options for {@link provision}. */
export interface ProvisionOptions {
  /** Read and change IAM policies (false against the emulator). */
  iam: boolean;
  /** Receives one line per action carried out or skipped. */
  onAction?: (line: string) => void;
}

/** Thrown after the rest of the plan is applied when part of it needs something done first. */
export class ProvisionBlockedError extends Error {
  override readonly name = 'ProvisionBlockedError';
}

/**
 * The plan a dry run prints: computed from the configuration alone, against an empty project,
 * without creating a client or calling anything.
 */
export function dryRunPlan(config: ProvisionConfig): ProvisionAction[] {
  const pubsub = desiredPubSub(config);
  const triggers = pubsub.triggers.map(({ topic, triggerFunction }) => ({
    topic: topicPath(pubsub.projectId, topic),
    triggerFunction,
  }));
  const bigquery = desiredBigQuery(config);
  return [
    ...planPubSub(pubsub, dryRunObservation(triggers)),
    ...desiredJobs(config).flatMap((job) => planScheduler(job, undefined)),
    ...(bigquery === undefined
      ? []
      : planBigQuery(bigquery, { dataset: false, table: false, view: false, subscription: false })),
  ];
}

/**
 * The scheduler jobs: ingest and the monitor's stale-feed check every minute, the trades
 * partitions' maintenance every hour.
 */
function desiredJobs(config: ProvisionConfig) {
  return [...desiredSchedulerJobs(config), desiredMaintenanceJob(config)];
}

/**
 * Observes, plans and applies: idempotent, so a second run finds nothing to do.
 *
 * @returns the actions carried out.
 * @throws ProvisionBlockedError when a function's trigger subscription (persist's, deliver-alerts')
 * does not exist yet.
 */
export async function provision(
  config: ProvisionConfig,
  clients: ProvisionClients,
  { iam, onAction }: ProvisionOptions,
): Promise<ProvisionAction[]> {
  const desired = desiredPubSub(config);
  const pubsubPlan = planPubSub(
    desired,
    await observePubSub(clients.pubsub, desired, { readIam: iam }),
  );
  await applyPubSubActions(clients.pubsub, pubsubPlan, {
    grantRoles: iam,
    onDone: (action, outcome) =>
      onAction?.(
        `${outcome === 'done' ? 'done' : 'skipped (no IAM here)'}: ${describeAction(action)}`,
      ),
  });

  let schedulerPlan: ProvisionAction[] = [];
  if (clients.scheduler !== undefined) {
    for (const job of desiredJobs(config)) {
      const plan = planScheduler(job, await observeSchedulerJob(clients.scheduler, job.name ?? ''));
      await applySchedulerActions(clients.scheduler, plan, (action) =>
        onAction?.(`done: ${describeAction(action)}`),
      );
      schedulerPlan = [...schedulerPlan, ...plan];
    }
  }

  // After the topic exists: the BigQuery subscription hangs on it.
  let bigqueryPlan: ProvisionAction[] = [];
  const warehouse = desiredBigQuery(config);
  if (warehouse !== undefined && clients.bigquery !== undefined) {
    bigqueryPlan = planBigQuery(
      warehouse,
      await observeBigQuery(clients.bigquery, clients.pubsub, warehouse),
    );
    await applyBigQueryActions(clients.bigquery, clients.pubsub, bigqueryPlan, (action) =>
      onAction?.(`done: ${describeAction(action)}`),
    );
  }

  const blocked = pubsubPlan.filter((a) => a.kind === 'blocked');
  if (blocked.length > 0) throw new ProvisionBlockedError(blocked.map(describeAction).join('; '));
  return [...pubsubPlan, ...schedulerPlan, ...bigqueryPlan];
}

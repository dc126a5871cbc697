/**
 * `npm run provision [-- --dry-run]`: converges Pub/Sub (for trades → persist and alerts →
 * deliver-alerts: the topic, its dead-letter topic and subscription, the dead-letter policy on the
 * function's trigger subscription, the service agent's grants), the Cloud Scheduler jobs that call
 * ingest (trades every minute, partition maintenance hourly), and with BIGQUERY_DATASET the
 * BigQuery dataset, table, view and subscription that land every trade message in BigQuery.
 * --dry-run prints the plan and calls nothing.
 */
import { BigQuery } from '@google-cloud/bigquery';
import { PubSub } from '@google-cloud/pubsub';
import { CloudSchedulerClient } from '@google-cloud/scheduler';
import { loadProvisionConfig } from '../shared/config/provision-config.js';
import { formatPlan } from './provision/format-plan.js';
import { dryRunPlan, provision } from './provision/provision.js';
import { runCli } from './run-cli.js';

const dryRun = process.argv.includes('--dry-run');

const cli = { name: 'provision', command: 'npm run provision', load: loadProvisionConfig };

await runCli(cli, process.env, async (config, logger) => {
  if (dryRun) {
    process.stdout.write(
      formatPlan(
        `Plan for project ${config.GOOGLE_CLOUD_PROJECT} (dry run: nothing was read or changed; a real run skips what already exists):`,
        dryRunPlan(config),
      ),
    );
    return;
  }
  const emulator = config.PUBSUB_EMULATOR_HOST;
  if (emulator !== undefined)
    logger.warn(
      { pubsub_emulator_host: emulator },
      'PUBSUB_EMULATOR_HOST is set: provisioning the emulator, without IAM grants nor scheduler job',
    );
  const pubsub = new PubSub({
    projectId: config.GOOGLE_CLOUD_PROJECT,
    ...(emulator === undefined ? {} : { apiEndpoint: emulator, emulatorMode: true }),
  });
  const scheduler = emulator === undefined ? new CloudSchedulerClient() : undefined;
  // Opt-in (BIGQUERY_DATASET), and never against the emulator: BigQuery has none.
  const warehouse = config.BIGQUERY_DATASET !== undefined && emulator === undefined;
  if (config.BIGQUERY_DATASET !== undefined && !warehouse)
    logger.warn('BIGQUERY_DATASET is set but Pub/Sub is the emulator: BigQuery is skipped');
  const bigquery = warehouse ? new BigQuery({ projectId: config.GOOGLE_CLOUD_PROJECT }) : undefined;
  try {
    const actions = await provision(
      config,
      { pubsub, scheduler, bigquery },
      {
        iam: emulator === undefined,
        onAction: (line) => {
          logger.info(line);
        },
      },
    );
    logger.info({ actions: actions.length }, `provisioned: ${actions.length} change(s)`);
  } finally {
    await pubsub.close();
    await scheduler?.close();
  }
});

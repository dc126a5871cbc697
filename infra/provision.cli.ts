/**
 * `npm run provision [-- --dry-run]`: converges Pub/Sub (for trades → persist and alerts →
 * deliver-alerts: the topic, its dead-letter topic and subscription, the dead-letter policy on the
 * function's trigger subscription, the service agent's grants) and the Cloud Scheduler job that
 * calls ingest. --dry-run prints the plan and calls nothing.
 */
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
  try {
    const actions = await provision(
      config,
      { pubsub, scheduler },
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

import type { Config, Env } from '../../shared/config/config.js';
import type { LocalStackConfig } from '../../shared/config/local-stack-config.js';
import { byFunction, FUNCTION_NAMES, type FunctionName } from '../../shared/function-names.js';
import type { Logger } from '../../shared/logging/logger.js';
import { applyMigrations } from '../apply-migrations.js';
import { localUrl, startFunction, type FunctionProcess } from './function-process.js';
import { openLocalDatabase } from './local-database.js';
import {
  MAINTENANCE_INTERVAL_MS,
  MAINTENANCE_JOB,
  MONITOR_JOB,
  startLocalScheduler,
  type LocalScheduler,
} from './local-scheduler.js';
import {
  alertsPushSubscription,
  EmulatorNotInstalledError,
  ensureTopicAndPushSubscription,
  persistPushSubscription,
  startPubSubEmulator,
  type PubSubEmulator,
} from './pubsub-emulator.js';

/** Jumps of the synthetic walk under `npm start` (INGEST_SPIKE_EVERY_N_TRADES unless set). */
export const LOCAL_SPIKE_EVERY_N_TRADES = 60;

/**
 * What the scheduler's run needs up: deliver-alerts, which the alerts of the first batches reach,
 * persist, which the messages reach, then ingest, which it calls.
 */
const PIPELINE: readonly FunctionName[] = ['deliver-alerts', 'persist', 'ingest'];

export interface LocalStackOptions {
  config: Config;
  stack: LocalStackConfig;
  /** The environment the functions inherit (the stack adds the URLs it chose). */
  env: Env;
  logger: Logger;
}

export interface RunningStack {
  /** Where each function answers. */
  urls: Record<FunctionName, string>;
  databaseUrl: string;
  messaging: 'pubsub-emulator' | 'direct-push';
  emulatorHost?: string;
  functions: FunctionProcess[];
  /** Settles, with its name, when any function process exits by itself. */
  crashed: Promise<FunctionName>;
  stop(): Promise<void>;
}

/**
 * Starts the whole platform on this machine with real parts: PostgreSQL (DATABASE_URL or
 * embedded, data kept under .data/), migrations, the Pub/Sub emulator with push subscriptions
 * to persist and deliver-alerts (or, where gcloud is missing, direct pushes to persist, announced
 * loudly), every function of
 * shared/function-names.ts on the Functions Framework, and a scheduler calling ingest. Resolves
 * once every function answers and the scheduler's first run has. Stops whatever it started if a
 * step fails.
 */
export async function startLocalStack({
  config,
  stack,
  env,
  logger,
}: LocalStackOptions): Promise<RunningStack> {
  const stoppers: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stoppers.reverse()) {
      await stop().catch((error: unknown) => {
        logger.error({ err: error }, 'error while stopping the local stack');
      });
    }
    stoppers.length = 0;
  };
  try {
    const database = await openLocalDatabase(config, stack, logger);
    stoppers.push(() => database.stop());
    const databaseUrl = database.url;
    await applyMigrations(databaseUrl, config, logger);

    const push = persistPushSubscription(
      config.GOOGLE_CLOUD_PROJECT,
      config.PUBSUB_TOPIC,
      localUrl(stack.ports.persist),
    );
    const functionEnv: Env = {
      // A local run shows anomalies within minutes: a jump every 60 slots (3 minutes at the
      // default interval) unless set; the functions' own default, which tests run with, is none.
      INGEST_SPIKE_EVERY_N_TRADES: String(LOCAL_SPIKE_EVERY_N_TRADES),
      ...env,
      DATABASE_URL: databaseUrl,
      // Alerts link to the local dashboard unless told otherwise.
      ALERT_DASHBOARD_URL: config.ALERT_DASHBOARD_URL ?? `${localUrl(stack.ports.api)}/dashboard`,
    };
    let emulator: PubSubEmulator | undefined;
    if (stack.pubsubMode !== 'direct') {
      try {
        emulator = await startPubSubEmulator({ projectId: config.GOOGLE_CLOUD_PROJECT });
        stoppers.push(() => (emulator as PubSubEmulator).stop());
        await ensureTopicAndPushSubscription({
          host: emulator.host,
          ...push,
        });
        // As in the cloud: the alerts topic triggers deliver-alerts, and what keeps failing there
        // ends on a dead-letter topic with a subscription that keeps it.
        await ensureTopicAndPushSubscription({
          host: emulator.host,
          ...alertsPushSubscription(
            config.GOOGLE_CLOUD_PROJECT,
            config.ALERTS_TOPIC,
            localUrl(stack.ports['deliver-alerts']),
          ),
        });
        functionEnv.PUBSUB_EMULATOR_HOST = emulator.host;
        logger.info(
          { host: emulator.host },
          'Pub/Sub emulator started; push subscriptions → persist, → deliver-alerts',
        );
      } catch (error) {
        if (!(error instanceof EmulatorNotInstalledError) || stack.pubsubMode === 'emulator')
          throw error;
        logger.warn(`WARNING: ${error.message}`);
      }
    }
    if (emulator === undefined) {
      functionEnv.PUBSUB_DIRECT_PUSH_URL = push.pushEndpoint;
      logger.warn(
        'WARNING: no Pub/Sub emulator; ingest pushes each message straight to persist (same push body, no broker in between)',
      );
    }

    const functions: FunctionProcess[] = [];
    const startAll = async (names: readonly FunctionName[]) => {
      for (const name of names) {
        const fn = await startFunction({
          name,
          port: stack.ports[name],
          env: functionEnv,
          onLine: (line) => {
            process.stdout.write(`[${name}] ${line}\n`);
          },
        });
        functions.push(fn);
        stoppers.push(() => fn.stop());
      }
    };
    const urls = byFunction((name) => localUrl(stack.ports[name]));
    // The pipeline first, and its first scheduled run, which creates the symbols and publishes
    // their first prices; then every other function of the list, so by the time the api (or any
    // reader) answers, the platform has data.
    await startAll(PIPELINE);
    const scheduler: LocalScheduler = startLocalScheduler({
      url: urls.ingest,
      intervalMs: config.INGESTION_INTERVAL_SECONDS * 1000,
      logger,
    });
    stoppers.push(() => scheduler.stop());
    await scheduler.firstRun;
    // The trades partitions' hourly job (provisioned beside the ingest job in the cloud).
    const maintenance = startLocalScheduler({
      url: `${urls.ingest}/maintenance`,
      intervalMs: MAINTENANCE_INTERVAL_MS,
      logger,
      job: MAINTENANCE_JOB,
    });
    stoppers.push(() => maintenance.stop());
    // The api last: once it answers, the whole stack is up.
    await startAll(
      FUNCTION_NAMES.filter((name) => !PIPELINE.includes(name)).sort(
        (a, b) => Number(a === 'api') - Number(b === 'api'),
      ),
    );
    // The stale-feed check, on a ticker of its own as on a Cloud Scheduler job of its own.
    const monitorScheduler = startLocalScheduler({
      url: urls.monitor,
      intervalMs: config.INGESTION_INTERVAL_SECONDS * 1000,
      logger,
      job: MONITOR_JOB,
    });
    stoppers.push(() => monitorScheduler.stop());

    const crashed = new Promise<FunctionName>((resolve) => {
      for (const fn of functions)
        fn.child.once('exit', () => {
          resolve(fn.name);
        });
    });
    return {
      urls,
      databaseUrl,
      messaging: emulator === undefined ? 'direct-push' : 'pubsub-emulator',
      ...(emulator === undefined ? {} : { emulatorHost: emulator.host }),
      functions,
      crashed,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

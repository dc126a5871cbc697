import type { ProvisionConfig } from '../../shared/config/provision-config.js';
import type { SchedulerJob } from './actions.js';
import { desiredSchedulerJob } from './scheduler-plan.js';

/** Hourly, off the hour: the month's partitions exist months ahead, so an hour missed costs nothing. */
export const EVERY_HOUR = '17 * * * *';

/** ingest's path for the maintenance run (functions/ingest/maintenance.handler.ts). */
export function maintenanceUrl(ingestUrl: string): string {
  return `${ingestUrl.replace(/\/+$/, '')}/maintenance`;
}

/**
 * The second job provision converges to: POST to ingest's /maintenance every hour, which keeps
 * the trades partitions (months ahead, replayed trades moved into their months, TRADES_RETENTION_DAYS).
 * The same function, OIDC identity and audience as the ingest job (Cloud Run takes the service's
 * URL as the audience whatever the path), so no other grant is needed.
 */
export function desiredMaintenanceJob(config: ProvisionConfig): SchedulerJob {
  const ingestJob = desiredSchedulerJob(config);
  return {
    ...ingestJob,
    name: `projects/${config.GOOGLE_CLOUD_PROJECT}/locations/${config.GOOGLE_CLOUD_REGION}/jobs/${config.MAINTENANCE_JOB_NAME}`,
    description: 'Calls ingest /maintenance, which keeps the trades partitions and their retention',
    schedule: EVERY_HOUR,
    // ingest's timeout (cloudbuild.yaml): moving a large replay out of the default partition takes time.
    attemptDeadline: { seconds: 300 },
    httpTarget: { ...ingestJob.httpTarget, uri: maintenanceUrl(config.INGEST_URL) },
    // Each step is idempotent and commits on its own, so a retry continues where one stopped.
    retryConfig: {
      retryCount: 3,
      maxRetryDuration: { seconds: 1800 },
      minBackoffDuration: { seconds: 60 },
      maxBackoffDuration: { seconds: 600 },
      maxDoublings: 2,
    },
  };
}

import { protos } from '@google-cloud/scheduler';
import type { ProvisionConfig } from '../../shared/config/provision-config.js';
import type { ProvisionAction, SchedulerJob } from './actions.js';

type HttpTarget = protos.google.cloud.scheduler.v1.IHttpTarget;

/**
 * Every minute is Cloud Scheduler's finest schedule; each call, ingest generates the 3-second
 * trades due since its last run, so no interval is lost.
 */
export const EVERY_MINUTE = '* * * * *';

/** The job provision converges to: POST `{}` to ingest with an OIDC token, a few quick retries. */
export function desiredSchedulerJob(config: ProvisionConfig): SchedulerJob {
  return httpJob(config, {
    jobName: config.SCHEDULER_JOB_NAME,
    description: 'Calls ingest, which publishes the trades due since its last run',
    uri: config.INGEST_URL,
  });
}

/**
 * The stale-feed check's job: POST `{}` to the monitor function every minute, like ingest's, but a
 * job and a function of its own, so a feed that goes quiet because ingest fails is still found.
 */
export function desiredMonitorJob(config: ProvisionConfig): SchedulerJob {
  return httpJob(config, {
    jobName: config.MONITOR_JOB_NAME,
    description: 'Calls monitor, which opens and closes stale-feed anomalies and publishes alerts',
    uri: config.MONITOR_URL,
  });
}

/** Every job provision converges to. */
export function desiredSchedulerJobs(config: ProvisionConfig): SchedulerJob[] {
  return [desiredSchedulerJob(config), desiredMonitorJob(config)];
}

function httpJob(
  config: ProvisionConfig,
  { jobName, description, uri }: { jobName: string; description: string; uri: string },
): SchedulerJob {
  return {
    name: `projects/${config.GOOGLE_CLOUD_PROJECT}/locations/${config.GOOGLE_CLOUD_REGION}/jobs/${jobName}`,
    description,
    schedule: EVERY_MINUTE,
    timeZone: config.SCHEDULER_TIME_ZONE,
    attemptDeadline: { seconds: 60 },
    httpTarget: {
      uri,
      httpMethod: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: Buffer.from('{}'),
      oidcToken: {
        serviceAccountEmail: config.SCHEDULER_SERVICE_ACCOUNT,
        // A function (Cloud Run underneath) accepts a token whose audience is its own URL.
        audience: uri,
      },
    },
    // Retries stay within the minute: the next scheduled run covers whatever they would have.
    retryConfig: {
      retryCount: 3,
      maxRetryDuration: { seconds: 50 },
      minBackoffDuration: { seconds: 5 },
      maxBackoffDuration: { seconds: 20 },
      maxDoublings: 2,
    },
  };
}

/** Create the job when absent, update it when any field provision owns differs. Pure. */
export function planScheduler(
  desired: SchedulerJob,
  observed: SchedulerJob | undefined,
): ProvisionAction[] {
  if (observed === undefined) return [{ kind: 'create-scheduler-job', job: desired }];
  const changedFields = Object.entries(comparable(desired))
    .filter(([field, value]) => comparable(observed)[field] !== value)
    .map(([field]) => field);
  return changedFields.length === 0
    ? []
    : [{ kind: 'update-scheduler-job', job: desired, changedFields }];
}

/**
 * The owned fields as strings, normalized across transports: the REST API answers enums as names
 * or numbers, durations as objects with string seconds, bytes as base64.
 */
function comparable(job: SchedulerJob): Record<string, string> {
  const target = job.httpTarget;
  const retry = job.retryConfig;
  return {
    schedule: job.schedule ?? '',
    timeZone: job.timeZone ?? '',
    attemptDeadline: seconds(job.attemptDeadline),
    'httpTarget.uri': target?.uri ?? '',
    'httpTarget.httpMethod': methodName(target?.httpMethod),
    'httpTarget.headers': JSON.stringify(lowerCaseKeys(target?.headers ?? {})),
    'httpTarget.body': Buffer.from(bytes(target?.body)).toString('base64'),
    'httpTarget.oidcToken.serviceAccountEmail': target?.oidcToken?.serviceAccountEmail ?? '',
    'httpTarget.oidcToken.audience': target?.oidcToken?.audience ?? '',
    'retryConfig.retryCount': String(retry?.retryCount ?? 0),
    'retryConfig.maxRetryDuration': seconds(retry?.maxRetryDuration),
    'retryConfig.minBackoffDuration': seconds(retry?.minBackoffDuration),
    'retryConfig.maxBackoffDuration': seconds(retry?.maxBackoffDuration),
    'retryConfig.maxDoublings': String(retry?.maxDoublings ?? 0),
  };
}

function methodName(method: HttpTarget['httpMethod'] | undefined): string {
  if (typeof method === 'number') return protos.google.cloud.scheduler.v1.HttpMethod[method];
  return method ?? '';
}

function seconds(duration: { seconds?: number | string | Long | null } | null | undefined): string {
  return String(duration?.seconds ?? 0);
}

interface Long {
  toString(): string;
}

function bytes(body: Uint8Array | string | null | undefined): Uint8Array {
  if (body === null || body === undefined) return new Uint8Array();
  return typeof body === 'string' ? Buffer.from(body, 'base64') : body;
}

// Cloud Scheduler adds its own headers (User-Agent) to what it reports; only ours are compared.
function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  const own = Object.entries(headers)
    .map(([key, value]) => [key.toLowerCase(), value] as const)
    .filter(([key]) => key === 'content-type')
    .sort(([a], [b]) => a.localeCompare(b));
  return Object.fromEntries(own);
}

import type { protos } from '@google-cloud/scheduler';

/** A Cloud Scheduler job as the client library takes it. */
export type SchedulerJob = protos.google.cloud.scheduler.v1.IJob;

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
    case 'blocked':
      return `BLOCKED: ${action.reason}`;
  }
}

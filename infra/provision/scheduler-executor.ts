import type { CloudSchedulerClient } from '@google-cloud/scheduler';
import type { ProvisionAction, SchedulerJob } from './actions.js';

const NOT_FOUND = 5;

/** The job named `name`, or undefined when it does not exist. */
export async function observeSchedulerJob(
  client: CloudSchedulerClient,
  name: string,
): Promise<SchedulerJob | undefined> {
  try {
    const [job] = await client.getJob({ name });
    return job;
  } catch (error) {
    if (typeof error === 'object' && error !== null && 'code' in error && error.code === NOT_FOUND)
      return undefined;
    throw error;
  }
}

/** Carries out the scheduler actions of a plan; other kinds are left to their executor. */
export async function applySchedulerActions(
  client: CloudSchedulerClient,
  actions: ProvisionAction[],
  onDone?: (action: ProvisionAction) => void,
): Promise<void> {
  for (const action of actions) {
    if (action.kind === 'create-scheduler-job') {
      await client.createJob({ parent: parentOf(action.job), job: action.job });
    } else if (action.kind === 'update-scheduler-job') {
      await client.updateJob({
        job: action.job,
        // Only the fields provision owns; anything else set by hand (paused state) stays.
        updateMask: {
          paths: [
            'description',
            'schedule',
            'time_zone',
            'attempt_deadline',
            'http_target',
            'retry_config',
          ],
        },
      });
    } else continue;
    onDone?.(action);
  }
}

function parentOf(job: SchedulerJob): string {
  const name = job.name ?? '';
  return name.slice(0, name.lastIndexOf('/jobs/'));
}

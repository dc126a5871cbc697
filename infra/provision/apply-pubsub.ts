import type { PubSub } from '@google-cloud/pubsub';
import type { IamResource, ProvisionAction } from './actions.js';

/** Options for {@link applyPubSubActions}. */
export interface ApplyPubSubOptions {
  /** Carry out grant-role actions; false against the emulator, which has no IAM. */
  grantRoles: boolean;
  /** Called after each action is done (or skipped). */
  onDone?: (action: ProvisionAction, outcome: 'done' | 'skipped') => void;
}

const ALREADY_EXISTS = 6;

/** Carries out the Pub/Sub actions of a plan, in order; other kinds are left to their executor. */
export async function applyPubSubActions(
  pubsub: PubSub,
  actions: ProvisionAction[],
  { grantRoles, onDone }: ApplyPubSubOptions,
): Promise<void> {
  for (const action of actions) {
    switch (action.kind) {
      case 'create-topic':
        await tolerateAlreadyExists(pubsub.createTopic(action.topic));
        break;
      case 'create-subscription':
        await tolerateAlreadyExists(
          pubsub.topic(action.topic).createSubscription(action.subscription, {
            messageRetentionDuration: { seconds: action.messageRetentionSeconds },
            // Set but without a TTL: never expires (unset would delete it after 31 idle days).
            expirationPolicy: {},
          }),
        );
        break;
      case 'set-dead-letter-policy':
        await pubsub.subscription(action.subscription).setMetadata({
          deadLetterPolicy: {
            deadLetterTopic: action.deadLetterTopic,
            maxDeliveryAttempts: action.maxDeliveryAttempts,
          },
          retryPolicy: {
            minimumBackoff: { seconds: action.minimumBackoffSeconds },
            maximumBackoff: { seconds: action.maximumBackoffSeconds },
          },
        });
        break;
      case 'grant-role':
        if (!grantRoles) {
          onDone?.(action, 'skipped');
          continue;
        }
        await addBinding(pubsub, action.resource, action.role, action.member);
        break;
      default:
        continue;
    }
    onDone?.(action, 'done');
  }
}

/** Read-modify-write with the policy's etag, so a concurrent change fails instead of being lost. */
async function addBinding(
  pubsub: PubSub,
  resource: IamResource,
  role: string,
  member: string,
): Promise<void> {
  const iam =
    resource.type === 'topic'
      ? pubsub.topic(resource.name).iam
      : pubsub.subscription(resource.name).iam;
  const [policy] = await iam.getPolicy();
  const bindings = policy.bindings ?? [];
  const binding = bindings.find((b) => b.role === role && b.condition == null);
  if (binding?.members?.includes(member) === true) return;
  if (binding === undefined) bindings.push({ role, members: [member] });
  else binding.members = [...(binding.members ?? []), member];
  await iam.setPolicy({ ...policy, bindings });
}

async function tolerateAlreadyExists(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (error) {
    // Created meanwhile by another run: the goal is reached.
    if (
      typeof error === 'object' &&
      error !== null &&
      'code' in error &&
      error.code === ALREADY_EXISTS
    )
      return;
    throw error;
  }
}

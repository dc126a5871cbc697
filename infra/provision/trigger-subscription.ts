import type { ObservedSubscription } from './observed-state.js';

/**
 * Whether `subscription` is the one Eventarc created for the Pub/Sub trigger of `functionName`
 * (persist on `trades`, deliver-alerts on `alerts`). Eventarc names it
 * `eventarc-REGION-TRIGGER-sub-NNN` where the trigger of a function deployed with --trigger-topic
 * is `FUNCTION-NNNNNN`, and pushes to the function's run.app URL; either sign is enough, so a
 * renamed trigger is still found by its endpoint.
 */
export function isTriggerSubscription(
  subscription: Pick<ObservedSubscription, 'name' | 'pushEndpoint'>,
  functionName: string,
  region: string,
): boolean {
  const shortName = subscription.name.split('/').pop() ?? '';
  const fn = escapeRegExp(functionName);
  if (new RegExp(`^eventarc-${escapeRegExp(region)}-${fn}-\\d+-sub-\\d+$`).test(shortName))
    return true;
  if (subscription.pushEndpoint === undefined || subscription.pushEndpoint === '') return false;
  try {
    const { hostname } = new URL(subscription.pushEndpoint);
    // Cloud Run hosts: FUNCTION-HASH-REGIONCODE.a.run.app or FUNCTION-PROJECTNUMBER.REGION.run.app.
    return new RegExp(
      `^${fn}-[a-z0-9]+(-[a-z]{2,4})?\\.(a\\.run\\.app|${escapeRegExp(region)}\\.run\\.app)$`,
    ).test(hostname);
  } catch {
    return false;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

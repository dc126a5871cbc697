import { setTimeout as sleep } from 'node:timers/promises';
import type { AlertDecision } from '../../shared/alerts/alert-decisions.queries.js';

/** The first pause between two looks at a pending decision, and the longest. */
const FIRST_PAUSE_MS = 25;
const LONGEST_PAUSE_MS = 500;

/**
 * Decides, and while the decision is `pending` (another alert of the burst holds the cooldown and
 * is being sent) decides again, with growing pauses, for up to `waitMs`. A holder's send usually
 * takes milliseconds, so the alert is then suppressed (the holder got through) or sent (it failed)
 * in the same invocation; one still pending after the wait is returned as such, for the caller to
 * leave to a redelivery.
 */
export async function awaitDecision(
  decide: () => Promise<AlertDecision>,
  waitMs: number,
): Promise<AlertDecision> {
  const deadline = Date.now() + waitMs;
  for (let pause = FIRST_PAUSE_MS; ; pause = Math.min(2 * pause, LONGEST_PAUSE_MS)) {
    const decision = await decide();
    const left = deadline - Date.now();
    if (decision.outcome !== 'pending' || left <= 0) return decision;
    // The last look is at the deadline, so a holder that fails just within it is still seen.
    await sleep(Math.min(pause, left));
  }
}

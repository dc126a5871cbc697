import { describeAction, type ProvisionAction } from './actions.js';

/** The human-readable plan: a title, then one numbered line per action. */
export function formatPlan(title: string, actions: ProvisionAction[]): string {
  if (actions.length === 0) return `${title}\n  nothing to do\n`;
  const lines = actions.map((action, i) => `  ${i + 1}. ${describeAction(action)}`);
  return `${title}\n${lines.join('\n')}\n`;
}

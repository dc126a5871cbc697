import type { AlertMessage } from '../../../shared/alerts/alert-message.js';
import { alertFacts, alertHeadline } from '../../../shared/alerts/alert-text.js';

export interface EmailMessage {
  subject: string;
  text: string;
}

/**
 * The alert as a plain-text e-mail: the headline as subject (severity, symbol, kind, observed vs
 * threshold), then the summary, the facts one a line, and the dashboard link.
 */
export function emailMessage(alert: AlertMessage, dashboardUrl: string | undefined): EmailMessage {
  const facts = alertFacts(alert);
  const width = Math.max(...facts.map(([label]) => label.length)) + 1;
  const lines = [
    alert.summary,
    '',
    ...facts.map(([label, value]) => `${`${label}:`.padEnd(width)} ${value}`),
  ];
  if (dashboardUrl !== undefined) lines.push('', `Dashboard: ${dashboardUrl}`);
  lines.push('', '-- ', 'market-data-platform alerts (deliver-alerts)');
  return { subject: alertHeadline(alert), text: `${lines.join('\n')}\n` };
}

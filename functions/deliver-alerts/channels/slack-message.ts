import type { AlertMessage } from '../../../shared/alerts/alert-message.js';
import { alertFacts, alertHeadline, alertLabel } from '../../../shared/alerts/alert-text.js';

/** The JSON body of a Slack incoming webhook: `text` (notifications, and receivers that read only
 * it) and Block Kit `blocks` (what Slack shows). */
export interface SlackMessage {
  text: string;
  blocks: Record<string, unknown>[];
}

const ICON: Record<string, string> = {
  CRITICAL: ':rotating_light:',
  WARNING: ':warning:',
  RECOVERED: ':white_check_mark:',
};

/** Slack's mrkdwn gives `&`, `<` and `>` meaning; text from elsewhere must escape them. */
export function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/**
 * The alert as a Slack message: a header with severity, symbol and kind, the summary, the facts
 * as fields (symbol, kind, observed vs threshold, time...), and a button to the dashboard view.
 */
export function slackMessage(alert: AlertMessage, dashboardUrl: string | undefined): SlackMessage {
  const label = alertLabel(alert);
  const link = dashboardUrl === undefined ? '' : ` <${dashboardUrl}|Open in the dashboard>`;
  const blocks: Record<string, unknown>[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: `${label}: ${alert.symbol} ${alert.kind}`.slice(0, 150),
        emoji: true,
      },
    },
    {
      type: 'section',
      text: { type: 'mrkdwn', text: `${ICON[label] ?? ''} ${escapeMrkdwn(alert.summary)}` },
      // Slack shows at most 10 fields.
      fields: alertFacts(alert)
        .slice(0, 10)
        .map(([name, value]) => ({ type: 'mrkdwn', text: `*${name}*\n${escapeMrkdwn(value)}` })),
    },
  ];
  if (dashboardUrl !== undefined)
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: `Open ${alert.symbol} in the dashboard` },
          url: dashboardUrl,
        },
      ],
    });
  return { text: `${escapeMrkdwn(alertHeadline(alert))}${link}`, blocks };
}

import type { AlertMessage } from '../../../shared/alerts/alert-message.js';
import { dashboardLink } from '../../../shared/alerts/dashboard-link.js';
import { ChannelError, type AlertChannel } from './alert-channel.js';
import { slackMessage } from './slack-message.js';

export interface WebhookChannelOptions {
  /** The incoming webhook's URL: a secret (it carries the token), never logged. */
  url: string;
  dashboardUrl?: string | undefined;
  timeoutMs: number;
}

/**
 * A Slack-compatible incoming webhook: POST the message as JSON; any 2xx is accepted, anything else
 * (or no answer within the timeout) throws, so Pub/Sub redelivers.
 */
export function createWebhookChannel({
  url,
  dashboardUrl,
  timeoutMs,
}: WebhookChannelOptions): AlertChannel {
  return {
    name: 'webhook',
    async send(alert: AlertMessage) {
      const link = dashboardUrl === undefined ? undefined : dashboardLink(dashboardUrl, alert);
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(slackMessage(alert, link)),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        // The URL holds the webhook's token: nothing that may quote it (fetch's message, its cause)
        // is kept, only what kind of failure it was.
        throw new ChannelError('webhook', `no answer (${failureKind(error)})`);
      }
      const body = (await response.text().catch(() => '')).slice(0, 200);
      if (!response.ok)
        throw new ChannelError('webhook', `answered HTTP ${response.status}: ${body}`);
    },
  };
}

/** `TimeoutError`, `ECONNREFUSED`...: what went wrong, in words that cannot carry the URL. */
function failureKind(error: unknown): string {
  if (!(error instanceof Error)) return 'error';
  const cause: unknown = error.cause;
  const code =
    typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string'
      ? cause.code
      : undefined;
  return code === undefined ? error.name : `${error.name}, ${code}`;
}

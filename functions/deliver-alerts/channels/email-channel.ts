import { createTransport } from 'nodemailer';
import type { AlertMessage } from '../../../shared/alerts/alert-message.js';
import { dashboardLink } from '../../../shared/alerts/dashboard-link.js';
import { ChannelError, type AlertChannel } from './alert-channel.js';
import { emailMessage } from './email-message.js';

export interface EmailChannelOptions {
  host: string;
  port: number;
  /** starttls: upgrade a plain connection and refuse to go on without TLS; implicit: TLS from the
   * start (port 465); none: never TLS (a local test server). */
  tls: 'starttls' | 'implicit' | 'none';
  rejectUnauthorized: boolean;
  user?: string | undefined;
  password?: string | undefined;
  from: string;
  to: string[];
  dashboardUrl?: string | undefined;
  timeoutMs: number;
}

/**
 * E-mail over SMTP with nodemailer: one message to every recipient. Throws when the server refuses
 * it or does not answer in time, so Pub/Sub redelivers.
 */
export function createEmailChannel(options: EmailChannelOptions): AlertChannel {
  const transport = createTransport({
    host: options.host,
    port: options.port,
    secure: options.tls === 'implicit',
    requireTLS: options.tls === 'starttls',
    ignoreTLS: options.tls === 'none',
    tls: { rejectUnauthorized: options.rejectUnauthorized },
    ...(options.user === undefined
      ? {}
      : { auth: { user: options.user, pass: options.password ?? '' } }),
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs,
  });
  return {
    name: 'email',
    async send(alert: AlertMessage) {
      const link =
        options.dashboardUrl === undefined ? undefined : dashboardLink(options.dashboardUrl, alert);
      const { subject, text } = emailMessage(alert, link);
      try {
        await transport.sendMail({ from: options.from, to: options.to, subject, text });
      } catch (error) {
        // nodemailer's messages name the server and the SMTP answer, never the password.
        throw new ChannelError(
          'email',
          `not sent: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    },
  };
}

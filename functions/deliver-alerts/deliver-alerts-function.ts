import type { DeliverAlertsConfig } from '../../shared/config/function-config.js';
import { createSql, type Sql } from '../../shared/db/client.js';
import { createLogger, type Logger } from '../../shared/logging/logger.js';
import type { AlertChannelName } from '../../shared/config/alert-routes.js';
import type { AlertChannel } from './channels/alert-channel.js';
import { createEmailChannel } from './channels/email-channel.js';
import { createLogChannel } from './channels/log-channel.js';
import { createWebhookChannel } from './channels/webhook-channel.js';
import { createDeliverAlertsHandler } from './deliver-alerts.handler.js';
import { createAlertRouter } from './route-alert.js';

/**
 * A channel's lease: past it, a delivery that claimed the channel and never said how it went (its
 * instance died mid-send) is presumed failed. An SMTP send has several steps, each with the
 * timeout, so the lease covers several.
 */
export const leaseSecondsFor = (timeoutMs: number) => Math.ceil((6 * timeoutMs) / 1000) + 5;

/**
 * How long an alert waits for another of its (symbol, kind) that is being sent: long enough for
 * that one's webhook to answer or time out (it usually takes milliseconds), short enough to leave
 * this alert's own sends their time within the function's timeout (60 s). A longer wait (a slow
 * SMTP exchange) is left to a redelivery.
 */
export const pendingWaitMsFor = (timeoutMs: number) => timeoutMs + 2_000;

/**
 * The deliver-alerts function as deployed: its pool, logger and channels, created once per
 * instance. A test may pass its own pool (to close it) and a logger whose lines it reads.
 */
export function createDeliverAlertsFunction(
  config: DeliverAlertsConfig,
  {
    sql = createSql(config),
    logger = createLogger({ level: config.LOG_LEVEL, base: { function: 'deliver-alerts' } }),
  }: { sql?: Sql; logger?: Logger } = {},
) {
  const dashboardUrl = config.ALERT_DASHBOARD_URL;
  const timeoutMs = config.ALERT_CHANNEL_TIMEOUT_MS;
  const webhook =
    config.ALERT_WEBHOOK_URL === undefined
      ? undefined
      : createWebhookChannel({ url: config.ALERT_WEBHOOK_URL, dashboardUrl, timeoutMs });
  const email =
    config.ALERT_SMTP_HOST === undefined
      ? undefined
      : createEmailChannel({
          host: config.ALERT_SMTP_HOST,
          port: config.ALERT_SMTP_PORT,
          tls: config.ALERT_SMTP_TLS,
          rejectUnauthorized: config.ALERT_SMTP_TLS_REJECT_UNAUTHORIZED,
          user: config.ALERT_SMTP_USER,
          password: config.ALERT_SMTP_PASSWORD,
          // loadDeliverAlertsConfig requires both once a host is set.
          from: config.ALERT_EMAIL_FROM ?? '',
          to: config.ALERT_EMAIL_TO ?? [],
          dashboardUrl,
          timeoutMs,
        });
  warnOfUnconfiguredRoutes(config, { webhook, email }, logger);
  return createDeliverAlertsHandler({
    sql,
    logger,
    channelsFor: createAlertRouter({
      routes: { warning: config.ALERT_ROUTE_WARNING, critical: config.ALERT_ROUTE_CRITICAL },
      channels: { ...(webhook && { webhook }), ...(email && { email }) },
      fallback: createLogChannel(logger, dashboardUrl),
    }),
    cooldownSeconds: config.ALERT_COOLDOWN_SECONDS,
    leaseSeconds: leaseSecondsFor(timeoutMs),
    pendingWaitMs: pendingWaitMsFor(timeoutMs),
  });
}

/**
 * A route naming a channel that is not configured is skipped, which is right for the defaults
 * (they name both) but may be a mistake: said once, at start-up, where an operator looks.
 */
function warnOfUnconfiguredRoutes(
  config: DeliverAlertsConfig,
  channels: Record<AlertChannelName, AlertChannel | undefined>,
  logger: Logger,
): void {
  for (const [severity, route] of [
    ['warning', config.ALERT_ROUTE_WARNING],
    ['critical', config.ALERT_ROUTE_CRITICAL],
  ] as const) {
    const missing = route.filter((name) => channels[name] === undefined);
    if (missing.length === 0) continue;
    const sent = route.filter((name) => channels[name] !== undefined);
    logger.warn(
      // Not `severity`: that field is the line's own (Cloud Logging's), which it would replace.
      { alert_severity: severity, route, unconfigured: missing },
      `${severity} alerts are routed to ${missing.join(' and ')}, not configured (${missing.map((name) => (name === 'webhook' ? 'ALERT_WEBHOOK_URL' : 'ALERT_SMTP_HOST')).join(', ')} unset): they go to ${sent.length === 0 ? 'the log, as WARNING lines' : sent.join(' and ')}`,
    );
  }
}

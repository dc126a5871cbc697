import type { AlertMessage } from '../../../shared/alerts/alert-message.js';
import { alertHeadline } from '../../../shared/alerts/alert-text.js';
import { dashboardLink } from '../../../shared/alerts/dashboard-link.js';
import type { Logger } from '../../../shared/logging/logger.js';
import type { AlertChannel } from './alert-channel.js';

/**
 * The channel of last resort: the alert as one structured WARNING line (Cloud Logging can alert on
 * it). Used when no configured channel takes the alert's severity, locally when none is set, so an
 * alert is never dropped without a trace.
 */
export function createLogChannel(logger: Logger, dashboardUrl?: string): AlertChannel {
  return {
    name: 'log',
    send(alert: AlertMessage) {
      logger.warn(
        {
          alert,
          ...(dashboardUrl === undefined ? {} : { dashboard: dashboardLink(dashboardUrl, alert) }),
        },
        `ALERT ${alertHeadline(alert)}`,
      );
      return Promise.resolve();
    },
  };
}

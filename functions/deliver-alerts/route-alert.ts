import type { AlertSeverity } from '../../shared/alerts/alert-message.js';
import type { AlertChannelName } from '../../shared/config/alert-routes.js';
import type { AlertChannel } from './channels/alert-channel.js';

export interface AlertRouterOptions {
  /** The channels each severity is routed to (ALERT_ROUTE_WARNING, ALERT_ROUTE_CRITICAL). */
  routes: Record<AlertSeverity, readonly AlertChannelName[]>;
  /** The channels that are configured. */
  channels: Partial<Record<AlertChannelName, AlertChannel>>;
  /** Where an alert goes that no configured channel takes. */
  fallback: AlertChannel;
}

/**
 * The channels an alert of `severity` is sent to: those its route names that are configured, or the
 * log when that leaves none. Never empty: an alert always goes somewhere.
 */
export function createAlertRouter({ routes, channels, fallback }: AlertRouterOptions) {
  return function channelsFor(severity: AlertSeverity): AlertChannel[] {
    const routed = routes[severity]
      .map((name) => channels[name])
      .filter((channel) => channel !== undefined);
    return routed.length > 0 ? routed : [fallback];
  };
}

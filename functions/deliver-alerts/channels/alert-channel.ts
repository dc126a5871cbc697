import type { AlertMessage } from '../../../shared/alerts/alert-message.js';
import type { DeliveryChannel } from '../../../shared/alerts/alert-deliveries.queries.js';

/** Somewhere an alert is sent. `send` resolves once the channel accepted it and throws otherwise. */
export interface AlertChannel {
  name: DeliveryChannel;
  send(alert: AlertMessage): Promise<void>;
}

/** A channel refused or could not take the alert; the message says which and why, without secrets. */
export class ChannelError extends Error {
  override readonly name = 'ChannelError';

  constructor(
    readonly channel: DeliveryChannel,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${channel}: ${message}`, options);
  }
}

import type { TradeMessageInput } from '../schemas/trade-message.js';

/** Publishes trades.v1 messages; ordering key = symbol, so one symbol's batches arrive in order. */
export interface TradePublisher {
  /** Resolves with the message id once the message is accepted; rejects when it is not. */
  publish(message: TradeMessageInput, orderingKey: string): Promise<string>;
  close(): Promise<void>;
}

export class PublishError extends Error {
  override readonly name = 'PublishError';
}

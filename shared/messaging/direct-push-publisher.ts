import { randomUUID } from 'node:crypto';
import { SCHEMA_ATTRIBUTE, TRADES_V1, type TradeMessageInput } from '../schemas/trade-message.js';
import { PublishError, type TradePublisher } from './trade-publisher.js';

/**
 * Local fallback where no Pub/Sub emulator can run: POSTs the very body a Pub/Sub push
 * subscription would send to the persist function. No retry queue sits in between, so a failed
 * push fails the ingest run, and the scheduler's next run regenerates the same trades.
 */
export function createDirectPushPublisher(
  url: string,
  subscription = 'direct-push',
): TradePublisher {
  return {
    async publish(message: TradeMessageInput, orderingKey: string) {
      const messageId = `direct-${randomUUID()}`;
      const body = {
        message: {
          data: Buffer.from(JSON.stringify(message)).toString('base64'),
          attributes: { [SCHEMA_ATTRIBUTE]: TRADES_V1 },
          messageId,
          publishTime: new Date().toISOString(),
          orderingKey,
        },
        subscription,
      };
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      }).catch((error: unknown) => {
        throw new PublishError(`direct push to ${url} failed`, { cause: error });
      });
      if (!response.ok) throw new PublishError(`direct push to ${url} answered ${response.status}`);
      return messageId;
    },
    close: () => Promise.resolve(),
  };
}

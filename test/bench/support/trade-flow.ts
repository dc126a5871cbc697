import { setTimeout as sleep } from 'node:timers/promises';
import { PubSub } from '@google-cloud/pubsub';
import type { PubSubEmulator } from '../../../infra/local-stack/pubsub-emulator.js';
import { SCHEMA_ATTRIBUTE, TRADES_V1 } from '../../../shared/schemas/trade-message.js';
import { tradeMessage } from './trades.js';

export interface TradeFlow {
  /** Trades in messages the emulator has accepted so far. */
  published(): number;
  /** Publish calls that failed. */
  errors(): number;
  /** Stops publishing and waits for the calls in flight. Idempotent. */
  stop(): Promise<void>;
}

export interface TradeFlowOptions {
  emulator: Pick<PubSubEmulator, 'host' | 'projectId'>;
  topic: string;
  symbols: string[];
  tradesPerSecond: number;
  /** How often each symbol's message goes out (default 100 ms). */
  tickMs?: number;
}

/**
 * Publishes live trades at a fixed rate, as ingest does: one message per symbol and tick, ordering
 * key = symbol, source "load". Ticks are scheduled on a fixed grid, so a stalled event loop catches
 * up and the average rate holds.
 */
export function startPublisher({
  emulator,
  topic,
  symbols,
  tradesPerSecond,
  tickMs = 100,
}: TradeFlowOptions): TradeFlow {
  const pubsub = new PubSub({
    projectId: emulator.projectId,
    apiEndpoint: emulator.host,
    emulatorMode: true,
  });
  const target = pubsub.topic(topic, {
    messageOrdering: true,
    batching: { maxMessages: 100, maxMilliseconds: 10 },
  });
  const perMessage = Math.ceil((tradesPerSecond * tickMs) / 1000 / symbols.length);
  const inFlight = new Set<Promise<void>>();
  let published = 0;
  let errors = 0;
  let next = 0;
  // An object, not a let: the publishing loop reads it after stop() changed it.
  const state = { stopped: false };

  const publishTick = () => {
    const ts = new Date().toISOString();
    for (const symbol of symbols) {
      const trades = Array.from({ length: perMessage }, () => {
        const n = next++;
        return {
          trade_id: `${symbol}-load-${n}`,
          symbol,
          price: (100 + Math.sin(n / 1000)).toFixed(2),
          volume: '10',
          ts,
        };
      });
      const call = target
        .publishMessage({
          data: Buffer.from(JSON.stringify({ ...tradeMessage(trades), source: 'load' })),
          attributes: { [SCHEMA_ATTRIBUTE]: TRADES_V1 },
          orderingKey: symbol,
        })
        .then(
          () => {
            published += trades.length;
          },
          () => {
            errors += 1;
            target.resumePublishing(symbol);
          },
        )
        .finally(() => inFlight.delete(call));
      inFlight.add(call);
    }
  };
  const running = (async () => {
    const startedAt = Date.now();
    for (let tick = 1; !state.stopped; tick++) {
      publishTick();
      await sleep(Math.max(0, startedAt + tick * tickMs - Date.now()));
    }
  })();

  let stopping: Promise<void> | undefined;
  return {
    published: () => published,
    errors: () => errors,
    stop: () => {
      state.stopped = true;
      stopping ??= (async () => {
        await running;
        await Promise.allSettled([...inFlight]);
        await pubsub.close();
      })();
      return stopping;
    },
  };
}

/**
 * e2e_publish_to_visible_p50_ms / _p99_ms: one trade published to the Pub/Sub emulator, pushed to
 * the persist function, stored, until the api's /price/latest shows it. One trade at a time.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { PubSub } from '@google-cloud/pubsub';
import {
  ensureTopicAndPushSubscription,
  persistPushSubscription,
  type PubSubEmulator,
} from '../../infra/local-stack/pubsub-emulator.js';
import { SCHEMA_ATTRIBUTE, TRADES_V1 } from '../../shared/schemas/trade-message.js';
import type { BenchDatabase } from './support/bench-database.js';
import { BUILT_MAIN } from './support/build.js';
import { functionEnv } from './support/function-env.js';
import { functionsFrameworkArgs, serve, type Server } from './support/function-server.js';
import { result, type BenchResult } from './support/results.js';
import { percentile } from './support/stats.js';
import { createSymbols, tradeMessage } from './support/trades.js';

const SYMBOL = 'E2E';
const TOPIC = 'bench-trades';
const WARM_UP = 5;
const SAMPLES = 100;
const VISIBLE_TIMEOUT_MS = 10_000;

export async function benchEndToEnd(
  db: BenchDatabase,
  emulator: PubSubEmulator,
): Promise<BenchResult[]> {
  await createSymbols(db.sql, [SYMBOL]);
  const servers: Server[] = [];
  const pubsub = new PubSub({
    projectId: emulator.projectId,
    apiEndpoint: emulator.host,
    emulatorMode: true,
  });
  try {
    const start = async (target: 'api' | 'persist') => {
      const server = await serve({
        args: functionsFrameworkArgs(BUILT_MAIN, target),
        env: functionEnv(db, { FUNCTION_TARGET: target }),
        logName: `e2e-${target}`,
        readyPath: target === 'api' ? '/health' : null,
      });
      servers.push(server);
      return server;
    };
    const persist = await start('persist');
    const api = await start('api');
    await ensureTopicAndPushSubscription({
      host: emulator.host,
      ...persistPushSubscription(emulator.projectId, TOPIC, persist.url),
    });
    // One message per publish call, sent at once: the client's batching would add its own wait.
    const topic = pubsub.topic(TOPIC, { batching: { maxMessages: 1 } });

    const once = async (i: number) => {
      const tradeId = `${SYMBOL}-${i}-${Date.now()}`;
      const trade = {
        trade_id: tradeId,
        symbol: SYMBOL,
        price: '100.5',
        volume: '1',
        ts: new Date().toISOString(),
      };
      const started = performance.now();
      await topic.publishMessage({
        data: Buffer.from(JSON.stringify(tradeMessage([trade]))),
        attributes: { [SCHEMA_ATTRIBUTE]: TRADES_V1 },
      });
      while ((await latestTradeId(api.url)) !== tradeId) {
        if (performance.now() - started > VISIBLE_TIMEOUT_MS)
          throw new Error(
            `trade ${tradeId} not visible through the api after ${VISIBLE_TIMEOUT_MS} ms`,
          );
        await sleep(2);
      }
      return performance.now() - started;
    };
    for (let i = 0; i < WARM_UP; i++) await once(-i - 1);
    const samples: number[] = [];
    for (let i = 0; i < SAMPLES; i++) samples.push(await once(i));

    const note = `${SAMPLES} trades one after another, polling /price/latest every 2 ms`;
    return [
      result('e2e_publish_to_visible_p50_ms', percentile(samples, 50), 'ms', { note }),
      result('e2e_publish_to_visible_p99_ms', percentile(samples, 99), 'ms', {
        goal: { op: '<=', value: 1_000 },
        note: `max ${Math.round(Math.max(...samples))} ms`,
      }),
    ];
  } finally {
    await pubsub.close();
    for (const server of servers) await server.stop();
  }
}

async function latestTradeId(apiUrl: string): Promise<string | undefined> {
  const response = await fetch(`${apiUrl}/price/latest?symbol=${SYMBOL}`);
  if (response.status !== 200) {
    await response.body?.cancel();
    return undefined;
  }
  return ((await response.json()) as { trade_id?: string }).trade_id;
}

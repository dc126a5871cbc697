/**
 * A process of its own that subscribes, closes, and must then exit by itself: proof that close()
 * leaves no timer, socket or reconnect loop behind (test/integration/client.test.ts runs it). It
 * prints what it saw, `closed`, and, if something still holds it 500 ms later, `alive [...]`.
 *
 *   node --import tsx test/support/subscribe-then-close.ts <baseUrl> <symbol> <lastEventId> live
 *     closes on the first trade (one stored after lastEventId);
 *   ... down: baseUrl has no server; closes while the client waits to reconnect.
 */
import { createMarketDataClient } from '../../client/src/index.js';

const [baseUrl = '', symbol = '', lastEventId = '', mode = 'live'] = process.argv.slice(2);
const client = createMarketDataClient({ baseUrl });
const subscription = client.subscribe(
  { symbols: [symbol], lastEventId },
  (event) => {
    if (mode === 'live' && event.type === 'trade') {
      process.stdout.write(`trade ${event.data.trade_id}\n`);
      subscription.close();
    }
  },
  {
    initialDelayMs: 100,
    onReconnect: ({ reason }) => {
      process.stdout.write(`reconnect ${reason}\n`);
      if (mode === 'down') subscription.close();
    },
    onError: (error) => {
      process.stdout.write(`error ${error.code}\n`);
    },
  },
);
await subscription.closed;
process.stdout.write('closed\n');
// Once closed, nothing may keep this process alive: were it still running 500 ms later, say what
// does (an unref'd timer does not itself keep it alive).
setTimeout(() => {
  process.stdout.write(`alive ${JSON.stringify(process.getActiveResourcesInfo())}\n`);
}, 500).unref();

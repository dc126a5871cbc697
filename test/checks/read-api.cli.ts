/**
 * `npm run check:read-api`: issue 3's acceptance check against a running stack (`npm start` in
 * another terminal). It publishes its own trades through persist into a random week of 2001–2020.
 */
import { checkReadApi } from './read-api-check.js';

const apiUrl = process.env.API_URL ?? 'http://127.0.0.1:8080';
const persistUrl = process.env.PERSIST_URL ?? 'http://127.0.0.1:8082';
const symbol = process.env.CHECK_SYMBOL ?? 'AAPL';

try {
  await checkReadApi({
    apiUrl,
    persistUrl,
    symbol,
    log: (line) => {
      console.log(`ok  ${line}`);
    },
  });
  console.log('read API check passed');
} catch (error) {
  console.error(`read API check FAILED: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}

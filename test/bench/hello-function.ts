/**
 * The Functions Framework's ceiling: a function that answers a small JSON without any work, served
 * the same way as the api. The api's throughput is compared to this one's (api_latest_vs_ff_ceiling).
 */
import { http } from '@google-cloud/functions-framework';

const BODY = JSON.stringify({ symbol: 'AAPL', price: '187.23', volume: '1200' });

http('hello', (_request, response) => {
  response.setHeader('content-type', 'application/json');
  response.end(BODY);
});

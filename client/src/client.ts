import { createRestClient, type RestClient } from './rest-client.js';
import type { StreamEvent } from './stream-events.js';
import {
  subscribe,
  type SubscribeOptions,
  type SubscribeParams,
  type Subscription,
} from './subscribe.js';

export interface MarketDataClientOptions {
  /** Where the api answers, e.g. `https://api.example.com` or `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** Sent as `X-API-Key` on every request, the stream included (never in a URL). */
  apiKey?: string | undefined;
  /** A fetch of your own (default: the global one of Node 20+ or the browser). */
  fetch?: typeof globalThis.fetch | undefined;
}

/** Every route of the api, typed from its OpenAPI document, and its live stream. */
export interface MarketDataClient extends RestClient {
  /**
   * Follows GET /stream: `onEvent` receives each event in order (awaited when it returns a
   * promise). Reconnects by itself and resumes from the last trade id; a `reset` event means the
   * position could not be resumed (resync through `/trades`), and the stream goes on.
   *
   * @example
   * const sub = client.subscribe({ symbols: ['AAPL'] }, (e) => {
   *   if (e.type === 'trade') console.log(e.data.price);
   * }, { onError: (error) => console.error(error.code) });
   * // later: sub.close();
   */
  subscribe(
    params: SubscribeParams,
    onEvent: (event: StreamEvent) => void | Promise<void>,
    options?: SubscribeOptions,
  ): Subscription;
}

/**
 * A client of the market-data api. REST calls resolve to `{ data, response }` with `data` the
 * documented success body; every other answer rejects with a MarketDataError carrying the error
 * envelope's code.
 *
 * @example
 * const client = createMarketDataClient({ baseUrl: 'http://127.0.0.1:8080', apiKey });
 * const { data } = await client.GET('/trades', { params: { query: { symbol: 'AAPL', limit: 5 } } });
 */
export function createMarketDataClient({
  baseUrl,
  apiKey,
  fetch = globalThis.fetch,
}: MarketDataClientOptions): MarketDataClient {
  const headers: Record<string, string> = apiKey === undefined ? {} : { 'X-API-Key': apiKey };
  const target = { baseUrl, headers, fetch };
  return {
    ...createRestClient(target),
    subscribe: (params, onEvent, options) => subscribe(target, params, onEvent, options),
  };
}

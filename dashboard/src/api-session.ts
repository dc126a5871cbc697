import {
  createMarketDataClient,
  MarketDataError,
  type MarketDataClient,
  type components,
} from '../../client/src/index.js';
import { forgetApiKey, promptForApiKey, storeApiKey, storedApiKey } from './api-key.js';

export type SymbolInfo = components['schemas']['Symbol'];

export interface ApiSession {
  client: MarketDataClient;
  symbols: SymbolInfo[];
}

/**
 * A client of this page's own api (same origin), and the active symbols. When the api wants a key
 * (REQUIRE_API_KEY=true) the page asks once, keeps it for the tab, and sends it in X-API-Key; a
 * refused key is forgotten and asked for again.
 */
export async function openSession(): Promise<ApiSession> {
  let apiKey = storedApiKey();
  for (;;) {
    const client = createMarketDataClient({ baseUrl: window.location.origin, apiKey });
    try {
      const { data } = await client.GET('/symbols');
      return { client, symbols: data.symbols };
    } catch (error) {
      if (!(error instanceof MarketDataError) || error.status !== 401) throw error;
      forgetApiKey();
      apiKey = await promptForApiKey(
        apiKey === undefined
          ? 'This api needs a read key.'
          : 'That key was not accepted; enter another.',
      );
      storeApiKey(apiKey);
    }
  }
}

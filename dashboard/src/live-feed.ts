import type {
  MarketDataClient,
  StreamAlert,
  StreamCandle,
  Subscription,
} from '../../client/src/index.js';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'failed';

export interface LiveFeedHandlers {
  onCandle(candle: StreamCandle): void;
  onPrice(price: string, timestamp: string): void;
  /** An anomaly of the symbol, as it is recorded. */
  onAlert(alert: StreamAlert): void;
  onState(state: ConnectionState, detail?: string): void;
  /** The stream came back after a break (or could not resume): reload what it may have missed. */
  onResync(): void;
}

/**
 * Follows one symbol's trades and candles of one interval on GET /stream, through the typed client
 * (fetch with the key in a header, resuming by itself after a break).
 */
export function followSymbol(
  client: MarketDataClient,
  symbol: string,
  interval: string,
  handlers: LiveFeedHandlers,
): Subscription {
  let opened = 0;
  handlers.onState('connecting');
  return client.subscribe(
    { symbols: [symbol], events: ['trades', 'candles', 'alerts'], interval },
    (event) => {
      if (event.type === 'candle' && event.data.interval === interval)
        handlers.onCandle(event.data);
      else if (event.type === 'trade') handlers.onPrice(event.data.price, event.data.timestamp);
      else if (event.type === 'alert' && event.data.event === 'detected')
        handlers.onAlert(event.data);
      // Trades could not be resumed: candles closed meanwhile may be missing.
      else if (event.type === 'reset') handlers.onResync();
    },
    {
      onOpen: () => {
        handlers.onState('live');
        // Trades are resumed, but a candle that closed during the break is not replayed.
        if (opened++ > 0) handlers.onResync();
      },
      onReconnect: () => {
        handlers.onState('reconnecting');
      },
      onError: (error) => {
        handlers.onState('failed', error.message);
      },
    },
  );
}

export { createMarketDataClient } from './client.js';
export type { MarketDataClient, MarketDataClientOptions } from './client.js';
export { API_ERROR_CODES, MarketDataError } from './errors.js';
export type { ApiErrorCode, ClientErrorCode, ErrorCode, ErrorEnvelope } from './errors.js';
export type { OkResult, RestClient, RestMethod } from './rest-client.js';
export type {
  StreamAlert,
  StreamCandle,
  StreamEnd,
  StreamEvent,
  StreamEventType,
  StreamFailure,
  StreamPrice,
  StreamReset,
  StreamTrade,
} from './stream-events.js';
export type {
  ReconnectInfo,
  SubscribeOptions,
  SubscribeParams,
  Subscription,
} from './subscribe.js';
export type { BackoffOptions } from './backoff.js';
export type { components, operations, paths } from './openapi.js';

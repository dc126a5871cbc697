import type { components } from './openapi.js';

/** The one error shape the api answers with, whatever the status. */
export type ErrorEnvelope = components['schemas']['Error'];

/**
 * The codes the api answers with today (the `error` of its envelope), for `switch` and
 * autocompletion. test/integration/client.test.ts holds this list to the codes the api's source throws.
 */
export const API_ERROR_CODES = [
  'invalid_parameter',
  'invalid_body',
  'bad_request',
  'api_key_required',
  'invalid_api_key',
  'forbidden',
  'not_found',
  'symbol_not_found',
  'no_trades',
  'symbol_exists',
  'method_not_allowed',
  'payload_too_large',
  'rate_limited',
  'too_many_streams',
  'database_unavailable',
  'internal_error',
  'http_error',
] as const;

export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/**
 * Codes of the client's own: `unexpected_response` for an answer that is not the api's (a proxy's
 * HTML page, a stream that is not `text/event-stream`), `handler_failed` when a subscriber's
 * `onEvent` threw.
 */
export type ClientErrorCode = 'unexpected_response' | 'handler_failed';

/** A known code, or one a newer api added (`string & {}` keeps the known ones autocompleted). */
export type ErrorCode = ApiErrorCode | ClientErrorCode | (string & {});

export interface MarketDataErrorInit {
  status: number;
  code: ErrorCode;
  message: string;
  details?: unknown[];
  requestId?: string | undefined;
  retryAfterSeconds?: number | undefined;
  cause?: unknown;
}

/**
 * An answer of the api other than 2xx, carrying its envelope's fields; or a failure of the
 * client's own (see ClientErrorCode).
 *
 * @example
 * try { await client.GET('/price/latest', { params: { query: { symbol: 'NOPE' } } }); }
 * catch (error) { if (error instanceof MarketDataError && error.code === 'symbol_not_found') ... }
 */
export class MarketDataError extends Error {
  override readonly name = 'MarketDataError';
  /** The HTTP status (0 for a failure of the client's own). */
  readonly status: number;
  readonly code: ErrorCode;
  /** The reason, as the envelope's `detail` (the same as `message`). */
  readonly detail: string;
  readonly details: unknown[];
  /** The request id to quote when asking for help (the envelope's, or the X-Request-Id header). */
  readonly requestId: string | undefined;
  /** From a Retry-After header in seconds, when the api sent one (429, 503). */
  readonly retryAfterSeconds: number | undefined;

  constructor(init: MarketDataErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.detail = init.message;
    this.details = init.details ?? [];
    this.requestId = init.requestId;
    this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

const isEnvelope = (body: unknown): body is ErrorEnvelope =>
  typeof body === 'object' &&
  body !== null &&
  typeof (body as Partial<ErrorEnvelope>).error === 'string' &&
  typeof (body as Partial<ErrorEnvelope>).message === 'string';

/** Retry-After in seconds; its HTTP-date form too, as seconds from now. */
export function retryAfterSeconds(headers: Headers): number | undefined {
  const value = headers.get('retry-after');
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1_000);
}

/** The error a non-2xx `response` stands for; reads (consumes) its body. */
export async function errorFromResponse(response: Response): Promise<MarketDataError> {
  const text = await response.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const headerRequestId = response.headers.get('x-request-id') ?? undefined;
  const retryAfter = retryAfterSeconds(response.headers);
  if (isEnvelope(body))
    return new MarketDataError({
      status: response.status,
      code: body.error,
      message: body.message,
      details: Array.isArray(body.details) ? body.details : [],
      requestId: typeof body.request_id === 'string' ? body.request_id : headerRequestId,
      retryAfterSeconds: retryAfter,
    });
  return new MarketDataError({
    status: response.status,
    code: 'unexpected_response',
    message: `HTTP ${response.status} without the api's error envelope: ${text.slice(0, 200)}`,
    requestId: headerRequestId,
    retryAfterSeconds: retryAfter,
  });
}

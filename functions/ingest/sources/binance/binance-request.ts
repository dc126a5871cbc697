import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { aggTradesPageSchema, type AggTrade } from './binance-agg-trades.js';

/** How one aggTrades request ended, in the terms ingest acts on. */
export type BinanceAnswer =
  | { kind: 'page'; trades: AggTrade[]; usedWeight: number | undefined }
  /** 429 (too many requests) or 418 (IP banned for not backing off): wait that long, every instance. */
  | { kind: 'wait'; retryAfterMs: number; reason: string }
  /** A refusal that will not heal by asking again: 451 (a region Binance does not serve), an unknown pair. */
  | { kind: 'refused'; reason: string }
  /** 5xx, a timeout, a network error or a body that is not the documented page: the next run retries. */
  | { kind: 'failed'; reason: string };

export interface BinanceRequestOptions {
  baseUrl: string;
  timeoutMs: number;
  maxRetries: number;
  retryBaseMs: number;
  /** Told of each failure that is about to be retried. */
  onRetry?: (reason: string, attempt: number) => void;
}

/** Binance's error body: `{"code":-1121,"msg":"Invalid symbol."}`. */
const errorBodySchema = z.object({ code: z.number(), msg: z.string() });

/** Without a Retry-After, a 429 or 418 still means wait: a minute, Binance's weight window. */
const DEFAULT_RETRY_AFTER_MS = 60_000;

/** Retry-After in seconds (what Binance sends) or an HTTP date. */
function retryAfterMs(header: string | null): number {
  if (header === null) return DEFAULT_RETRY_AFTER_MS;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? DEFAULT_RETRY_AFTER_MS : Math.max(0, date - Date.now());
}

async function errorText(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  const parsed = errorBodySchema.safeParse(safeJson(text));
  if (parsed.success) return `${parsed.data.msg} (code ${parsed.data.code})`;
  return text.slice(0, 200).replace(/\s+/g, ' ').trim() || 'no body';
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** One request, classified; never throws. */
async function requestOnce(url: URL, timeoutMs: number): Promise<BinanceAnswer> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const cause = error instanceof Error ? (error.cause ?? error) : error;
    const detail = cause instanceof Error ? cause.message : String(cause);
    return { kind: 'failed', reason: `binance did not answer: ${detail}` };
  }
  const status = response.status;
  if (status === 429 || status === 418) {
    const waitMs = retryAfterMs(response.headers.get('retry-after'));
    const what = status === 418 ? 'banned this IP for not backing off' : 'is rate limiting us';
    return {
      kind: 'wait',
      retryAfterMs: waitMs,
      reason: `binance ${what} (HTTP ${status}, Retry-After ${Math.ceil(waitMs / 1000)} s): ${await errorText(response)}`,
    };
  }
  if (status === 451)
    return {
      kind: 'refused',
      reason: `binance refuses requests from this region (HTTP 451): deploy ingest in a region Binance serves (docs/deploy.md): ${await errorText(response)}`,
    };
  // 403 is Binance's web application firewall: a limit, which heals, not a refusal.
  if (status >= 400 && status < 500 && status !== 403 && status !== 408)
    return { kind: 'refused', reason: `binance answered ${status}: ${await errorText(response)}` };
  if (status !== 200)
    return { kind: 'failed', reason: `binance answered ${status}: ${await errorText(response)}` };
  const text = await response.text();
  const json = safeJson(text);
  if (json === undefined)
    return {
      kind: 'failed',
      reason: `binance answered malformed JSON (${text.length} bytes): ${text.slice(0, 80)}`,
    };
  const page = aggTradesPageSchema.safeParse(json);
  if (!page.success)
    return {
      kind: 'failed',
      reason: `binance answered an unexpected aggTrades page: ${z.prettifyError(page.error).slice(0, 300)}`,
    };
  const weight = Number(response.headers.get('x-mbx-used-weight-1m'));
  return {
    kind: 'page',
    trades: page.data,
    usedWeight: Number.isFinite(weight) ? weight : undefined,
  };
}

/**
 * `GET /api/v3/aggTrades` with `params`, retrying a failure (5xx, network, malformed body) up to
 * `maxRetries` times after 1x, 2x, 4x… `retryBaseMs`. A 429, 418 or a refusal is never retried
 * here: asking again is exactly what Binance bans an IP for.
 */
export async function requestAggTrades(
  params: Record<string, string>,
  { baseUrl, timeoutMs, maxRetries, retryBaseMs, onRetry }: BinanceRequestOptions,
): Promise<BinanceAnswer> {
  const url = new URL('/api/v3/aggTrades', baseUrl);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  let answer = await requestOnce(url, timeoutMs);
  for (let attempt = 0; answer.kind === 'failed' && attempt < maxRetries; attempt++) {
    onRetry?.(answer.reason, attempt + 1);
    await sleep(retryBaseMs * 2 ** attempt);
    answer = await requestOnce(url, timeoutMs);
  }
  return answer;
}

import createClient, {
  type FetchResponse,
  type MaybeOptionalInit,
  type Middleware,
} from 'openapi-fetch';
import { errorFromResponse } from './errors.js';
import type { paths } from './openapi.js';

type HttpMethod = 'get' | 'post' | 'patch' | 'delete';
type PathsWith<M extends HttpMethod> = {
  [P in keyof paths]: paths[P] extends Record<M, object> ? P : never;
}[keyof paths];

// openapi-fetch's rule for when the second argument may be left out (its InitParam and
// openapi-typescript-helpers' RequiredKeysOf, which neither package exports under a stable name).
type RequiredKeysOf<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
type InitParam<Init> = [RequiredKeysOf<Init>] extends [never]
  ? [(Init & Record<string, unknown>)?]
  : [Init & Record<string, unknown>];

/**
 * openapi-fetch's result without its error branch: answers other than 2xx throw MarketDataError,
 * so `data` is always the documented success body.
 */
export type OkResult<Operation extends Record<string | number, unknown>, Init> = Extract<
  FetchResponse<Operation, Init, `${string}/${string}`>,
  { error?: never }
>;

/** A call of `method` on any path that has it, typed by the api's OpenAPI document. */
export type RestMethod<M extends HttpMethod> = <
  Path extends PathsWith<M>,
  Init extends MaybeOptionalInit<paths[Path], M>,
>(
  path: Path,
  ...init: InitParam<Init>
) => Promise<OkResult<paths[Path][M] & Record<string | number, unknown>, Init>>;

/** Every route of the api (GET, POST, PATCH, DELETE), typed; `/stream` is `subscribe`'s. */
export interface RestClient {
  GET: RestMethod<'get'>;
  POST: RestMethod<'post'>;
  PATCH: RestMethod<'patch'>;
  DELETE: RestMethod<'delete'>;
}

export interface RestClientOptions {
  baseUrl: string;
  headers: Record<string, string>;
  fetch: typeof globalThis.fetch;
}

/** Turns every answer other than 2xx into a thrown MarketDataError carrying its envelope. */
const throwOnError: Middleware = {
  async onResponse({ response }) {
    if (!response.ok) throw await errorFromResponse(response);
    return undefined;
  },
};

export function createRestClient({ baseUrl, headers, fetch }: RestClientOptions): RestClient {
  const client = createClient<paths>({
    baseUrl,
    headers,
    // openapi-fetch calls fetch(request); bound, so a browser's fetch is not called on another `this`.
    fetch: (request) => fetch(request),
  });
  client.use(throwOnError);
  // The same functions; only the error branch of their result type is gone (throwOnError).
  return {
    GET: client.GET as unknown as RestMethod<'get'>,
    POST: client.POST as unknown as RestMethod<'post'>,
    PATCH: client.PATCH as unknown as RestMethod<'patch'>,
    DELETE: client.DELETE as unknown as RestMethod<'delete'>,
  };
}

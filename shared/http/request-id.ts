import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADER = 'x-request-id';

const SAFE_REQUEST_ID = /^[\w.:-]{1,128}$/;

/** The caller's request id when it is safe to echo into logs and headers; a new one otherwise. */
export function requestIdFrom(header: string | undefined | null): string {
  return header != null && SAFE_REQUEST_ID.test(header) ? header : randomUUID();
}

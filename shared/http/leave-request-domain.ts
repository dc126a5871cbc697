import type { Domain } from 'node:domain';

/**
 * The Functions Framework runs every request of an HTTP function inside a `node:domain` of its
 * own, so that an exception thrown outside any promise still gets a 500 for that request. While a
 * domain is active, Node attaches it to every promise and callback created, and enters and leaves
 * it around each one: dozens of promises a request, a large share of the function's throughput
 * (docs/benchmarks.md). It also pins the first request's domain to any socket opened during that
 * request (the database pool's), so every later query would run inside it too.
 *
 * The Hono app already turns every error into an answer (the error envelope), so the domain only
 * adds cost. This leaves it before the handler starts; an exception that escapes every promise
 * then ends the instance, as it would on a plain Node server, and the platform starts another.
 */
export function leaveRequestDomain<Request, Response, Result>(
  handler: (request: Request, response: Response) => Result,
): (request: Request, response: Response) => Result {
  // Two declared parameters, as the framework expects of an HTTP function.
  return (request, response) => {
    // Node's own property (the domain entered last), which @types/node does not declare.
    const active = process as { domain?: Domain | null };
    while (active.domain) active.domain.exit();
    return handler(request, response);
  };
}

import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';

/**
 * The caller's IP address, for limiting anonymous requests. Google's front end (in front of Cloud
 * Functions and Cloud Run) appends the address it received the connection from to
 * X-Forwarded-For; whatever the client itself wrote comes before it and proves nothing. So the
 * client is the `trustedHops`-th address from the right: 1 behind Google's front end alone, 2
 * behind an external Application Load Balancer, which appends the client and its own address
 * (docs/deploy.md). 0 ignores the header and takes the TCP peer: for a server reached directly.
 * A header with fewer addresses than that falls back to the TCP peer too.
 */
export function clientIp(c: Context, trustedHops: number): string {
  if (trustedHops > 0) {
    const forwarded = c.req.header('x-forwarded-for');
    if (forwarded !== undefined) {
      const addresses = forwarded.split(',');
      const address = addresses[addresses.length - trustedHops]?.trim();
      if (address !== undefined && address !== '') return address.slice(0, 64);
    }
  }
  return peerAddress(c) ?? 'unknown';
}

/** The TCP peer, when the app is served by @hono/node-server (not under app.request() in tests). */
function peerAddress(c: Context): string | undefined {
  // c.env is the adapter's bindings, `{ incoming, outgoing }` under @hono/node-server.
  const env = c.env as { incoming?: IncomingMessage } | undefined;
  return env?.incoming?.socket.remoteAddress;
}

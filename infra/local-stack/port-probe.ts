import { connect } from 'node:net';

/**
 * Whether something accepts TCP connections on 127.0.0.1:`port`. A bare connect, not an HTTP
 * request: a GET makes the Functions Framework's CloudEvent middleware throw for persist.
 */
export function acceptsConnections(port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(timeoutMs);
    const done = (accepted: boolean) => {
      socket.destroy();
      resolve(accepted);
    };
    socket.once('connect', () => {
      done(true);
    });
    socket.once('error', () => {
      done(false);
    });
    socket.once('timeout', () => {
      done(false);
    });
  });
}

import { createConnection, createServer, type Socket } from 'node:net';
import { once } from 'node:events';

export interface QueryCounter {
  /** The database URL to hand the process whose statements are counted. */
  url: string;
  /** Statements sent through the counter so far. */
  statements(): number;
  close(): Promise<void>;
}

/** The first word of the SSLRequest and GSSENCRequest messages, sent before the startup message. */
const ENCRYPTION_REQUESTS = new Set([80877103, 80877104]);

/**
 * A TCP relay in front of PostgreSQL that counts the statements one process sends: every simple
 * Query ('Q') and every Execute ('E') of the extended protocol, which postgres.js sends once per
 * statement it runs, prepared or not. Only the process given `url` goes through it, so its
 * figure is that process's statements alone, exact (not sampled from pg_stat_activity), and
 * independent of the server (pg_stat_statements needs a preloaded library; pg_stat_database's
 * xact_commit counts every client of the database, persist's writes too). The relay only reads the
 * frontend stream; the bytes pass unchanged. It cannot read an encrypted stream: the counted
 * process must not use TLS (the bench's PostgreSQL is local).
 */
export async function startQueryCounter(databaseUrl: string): Promise<QueryCounter> {
  const upstream = new URL(databaseUrl);
  const upstreamHost = upstream.hostname === '' ? '127.0.0.1' : upstream.hostname;
  const upstreamPort = Number(upstream.port === '' ? 5432 : upstream.port);
  let statements = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const server = createConnection({ host: upstreamHost, port: upstreamPort });
    for (const socket of [client, server]) {
      sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        server.destroy();
      });
    }
    client.pipe(server);
    server.pipe(client);
    const count = frontendCounter((type) => {
      if (type === 0x51 /* Q */ || type === 0x45 /* E */) statements++;
    });
    client.on('data', count);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(address.port);
  return {
    url: url.toString(),
    statements: () => statements,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}

/**
 * A reader of the frontend side of one connection, chunk by chunk: an untyped startup message
 * (preceded by encryption requests, if any), then messages of a type byte and an int32 length.
 */
function frontendCounter(onMessage: (type: number) => void): (chunk: Buffer) => void {
  let started = false;
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let at = 0;
    for (;;) {
      if (!started) {
        if (pending.length - at < 8) break;
        const length = pending.readInt32BE(at);
        if (pending.length - at < length) break;
        if (!ENCRYPTION_REQUESTS.has(pending.readInt32BE(at + 4))) started = true;
        at += length;
        continue;
      }
      if (pending.length - at < 5) break;
      const length = pending.readInt32BE(at + 1);
      if (pending.length - at < 1 + length) break; // the rest comes with the next chunk
      onMessage(pending[at] as number);
      at += 1 + length;
    }
    pending = at === pending.length ? Buffer.alloc(0) : pending.subarray(at);
  };
}

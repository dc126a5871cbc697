/**
 * The local stack's parts against the real things: an embedded PostgreSQL, the Pub/Sub emulator
 * pushing to an HTTP server, and process groups that leave nothing behind.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PubSub } from '@google-cloud/pubsub';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { startEmbeddedDatabase } from '../../infra/local-stack/embedded-database.js';
import { isProcessGroupAlive, stopProcessGroup } from '../../infra/local-stack/process-group.js';
import {
  ensureTopicAndPushSubscription,
  findGcloud,
  startPubSubEmulator,
} from '../../infra/local-stack/pubsub-emulator.js';
import { close, listen } from '../support/http-server.js';
import { waitFor } from '../support/wait-for.js';
import { acceptsConnections } from '../../infra/local-stack/port-probe.js';

const TIMEOUT_MS = 60_000;
// A developer without gcloud skips; CI must have it, so there the test fails saying what to install.
const skipEmulator = (await findGcloud()) === undefined && process.env.CI !== 'true';

describe('process groups', () => {
  it('stops a group whose grandchild would outlive its parent', async () => {
    const child = spawn('sh', ['-c', 'sleep 30 & sleep 30'], { detached: true, stdio: 'ignore' });
    const pgid = child.pid as number;
    expect(isProcessGroupAlive(pgid)).toBe(true);
    await stopProcessGroup(child);
    expect(isProcessGroupAlive(pgid)).toBe(false);
  });

  it('kills a group that ignores SIGTERM once the grace period is over', async () => {
    const child = spawn('sh', ['-c', 'trap "" TERM; sleep 30 & wait'], {
      detached: true,
      stdio: 'ignore',
    });
    const pgid = child.pid as number;
    const started = Date.now();
    await stopProcessGroup(child, { graceMs: 300 });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(isProcessGroupAlive(pgid)).toBe(false);
    // Stopping again is harmless: the child has exited and the group is gone.
    await stopProcessGroup(child);
  });
});

describe('embedded PostgreSQL', () => {
  it(
    'answers queries, and after stop no longer listens nor keeps throw-away data',
    async () => {
      // The postgres OS user (when running as root) must traverse the parent.
      const parent = await mkdtemp(join(tmpdir(), 'local-stack-parts-'));
      await chmod(parent, 0o755);
      const dataDir = join(parent, 'pgdata');
      try {
        const db = await startEmbeddedDatabase({ dataDir, persistent: false });
        try {
          expect(db.url).toBe(`postgres://postgres:postgres@127.0.0.1:${db.port}/market_data`);
          const sql = postgres(db.url, { max: 1 });
          try {
            expect(await sql`select 1 as one`).toEqual([{ one: 1 }]);
          } finally {
            await sql.end();
          }
        } finally {
          await db.stop();
        }
        expect(await acceptsConnections(db.port)).toBe(false);
        expect(existsSync(dataDir)).toBe(false);
      } finally {
        await rm(parent, { recursive: true, force: true });
      }
    },
    TIMEOUT_MS,
  );
});

describe('Pub/Sub emulator', () => {
  it.skipIf(skipEmulator)(
    'pushes a published message to the subscription endpoint and leaves no process behind',
    async () => {
      const pushes: { method: string | undefined; headers: IncomingHttpHeaders; body: string }[] =
        [];
      const pushServer = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          pushes.push({
            method: request.method,
            headers: request.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          });
          // 204 acknowledges the message, so the emulator does not push it again.
          response.writeHead(204).end();
        });
      });
      const pushEndpoint = `${await listen(pushServer)}/push`;
      const emulator = await startPubSubEmulator();
      const pgid = emulator.pid;
      try {
        const names = {
          host: emulator.host,
          projectId: emulator.projectId,
          topic: 'parts-test',
          subscription: 'parts-test-push',
          pushEndpoint,
        };
        await ensureTopicAndPushSubscription(names);
        await ensureTopicAndPushSubscription(names); // idempotent

        const pubsub = new PubSub({
          projectId: emulator.projectId,
          apiEndpoint: emulator.host,
          emulatorMode: true,
        });
        try {
          await pubsub.topic('parts-test').publishMessage({ data: Buffer.from('{"x":1}') });
        } finally {
          await pubsub.close();
        }

        const push = await waitFor('the emulator to push the message', () => pushes[0], 20_000);
        expect(push.method).toBe('POST');
        const body = JSON.parse(push.body) as {
          message?: { data?: string; messageId?: string };
          subscription?: string;
        };
        expect(body.message?.data).toBe(Buffer.from('{"x":1}').toString('base64'));
        expect(body.subscription).toBe(
          `projects/${emulator.projectId}/subscriptions/parts-test-push`,
        );
        expect(pushes).toHaveLength(1); // the subscription exists once, and 204 acknowledged
      } finally {
        await emulator.stop();
        await close(pushServer);
      }
      expect(isProcessGroupAlive(pgid)).toBe(false);
      expect(await acceptsConnections(Number(emulator.host.split(':')[1]))).toBe(false);
    },
    TIMEOUT_MS,
  );
});

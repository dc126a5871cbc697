import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import { PubSub } from '@google-cloud/pubsub';
import getPort from 'get-port';
import { stopProcessGroup } from './process-group.js';

export class EmulatorNotInstalledError extends Error {
  override readonly name = 'EmulatorNotInstalledError';

  constructor(detail = '') {
    super(
      'The Pub/Sub emulator is not installed: install the Google Cloud CLI and its emulator ' +
        '(apt-get install google-cloud-cli google-cloud-cli-pubsub-emulator, or `gcloud components install beta pubsub-emulator`); ' +
        `Java 17+ is required.${detail === '' ? '' : ` (${detail})`}`,
    );
  }
}

/** The gcloud executable on PATH, if any. */
export async function findGcloud(
  // PATH is the operating system's program lookup, not the application's configuration.
  // eslint-disable-next-line no-restricted-properties
  path: string = process.env.PATH ?? '',
): Promise<string | undefined> {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'gcloud');
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

export interface PubSubEmulator {
  /** host:port, for PUBSUB_EMULATOR_HOST. */
  host: string;
  projectId: string;
  /** The process group of gcloud and its Java server. */
  pid: number;
  stop(): Promise<void>;
}

export interface StartEmulatorOptions {
  projectId?: string;
  port?: number;
  onLog?: (line: string) => void;
  startTimeoutMs?: number;
}

/**
 * Starts the real Pub/Sub emulator in a process group of its own (its Java server outlives the
 * gcloud wrapper, so stop() signals the whole group) and resolves once it answers HTTP.
 */
export async function startPubSubEmulator({
  projectId = 'local',
  port,
  onLog = () => undefined,
  startTimeoutMs = 60_000,
}: StartEmulatorOptions = {}): Promise<PubSubEmulator> {
  const gcloud = await findGcloud();
  if (gcloud === undefined) throw new EmulatorNotInstalledError('gcloud is not on PATH');
  const hostPort = `127.0.0.1:${port ?? (await getPort())}`;
  const dataDir = await mkdtemp(join(tmpdir(), 'mdp-pubsub-'));
  const child = spawn(
    gcloud,
    [
      'beta',
      'emulators',
      'pubsub',
      'start',
      `--host-port=${hostPort}`,
      `--project=${projectId}`,
      `--data-dir=${dataDir}`,
      '--quiet',
    ],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const recent: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      recent.push(line);
      if (recent.length > 20) recent.shift();
      onLog(line);
    });
  }
  const stop = async () => {
    await stopProcessGroup(child);
    await rm(dataDir, { recursive: true, force: true });
  };
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code) => {
      const output = recent.join('\n');
      reject(
        /not installed|component|java/i.test(output)
          ? new EmulatorNotInstalledError(output.slice(-500))
          : new Error(`The Pub/Sub emulator exited (code ${code}) before answering:\n${output}`),
      );
    });
  });
  exited.catch(() => undefined);
  try {
    await Promise.race([waitUntilAnswering(`http://${hostPort}/`, startTimeoutMs, recent), exited]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { host: hostPort, projectId, pid: child.pid ?? 0, stop };
}

async function waitUntilAnswering(url: string, timeoutMs: number, recent: string[]): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(
    `The Pub/Sub emulator did not answer on ${url} within ${timeoutMs} ms:\n${recent.join('\n')}`,
  );
}

/** gRPC status the emulator answers when a resource already exists. */
const ALREADY_EXISTS = 6;

function isAlreadyExists(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && 'code' in error && error.code === ALREADY_EXISTS
  );
}

export interface PushSubscriptionOptions {
  host: string;
  projectId: string;
  topic: string;
  subscription: string;
  pushEndpoint: string;
  ackDeadlineSeconds?: number;
}

/**
 * Creates the topic and a push subscription to `pushEndpoint` on the emulator, or points an
 * existing subscription at it: safe to run at every start.
 */
export async function ensureTopicAndPushSubscription({
  host,
  projectId,
  topic,
  subscription,
  pushEndpoint,
  ackDeadlineSeconds = 30,
}: PushSubscriptionOptions): Promise<void> {
  const pubsub = new PubSub({ projectId, apiEndpoint: host, emulatorMode: true });
  try {
    await pubsub.createTopic(topic).catch((error: unknown) => {
      if (!isAlreadyExists(error)) throw error;
    });
    try {
      await pubsub
        .topic(topic)
        .createSubscription(subscription, { pushConfig: { pushEndpoint }, ackDeadlineSeconds });
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
      await pubsub.subscription(subscription).modifyPushConfig({ pushEndpoint });
    }
  } finally {
    await pubsub.close();
  }
}

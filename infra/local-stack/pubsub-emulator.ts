import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createInterface } from 'node:readline';
import { PubSub } from '@google-cloud/pubsub';
import getPort from 'get-port';
import { stopProcessGroup } from './process-group.js';
import { acceptsConnections } from './port-probe.js';

const INSTALL_HINT =
  'The Pub/Sub emulator is not installed: install the Google Cloud CLI and its emulator ' +
  '(apt-get install google-cloud-cli google-cloud-cli-pubsub-emulator, or `gcloud components install beta pubsub-emulator`); ' +
  'Java 17+ is required.';

/**
 * gcloud's own wording when the emulator component or Java is missing (component manager
 * enabled, disabled as with apt installs, or no Java on PATH).
 */
const NOT_INSTALLED_OUTPUT =
  /You need the \[[\w-]+\] component|components are required|not currently installed|component manager is disabled|component\(s\) is unavailable|Java \d+\+ JRE/i;

const LOG_LINES_KEPT = 20;
const POLL_INTERVAL_MS = 200;

/** Thrown when gcloud, the emulator component or Java is missing; the message says what to install. */
export class EmulatorNotInstalledError extends Error {
  /** What gcloud printed, when it was found but refused to start the emulator. */
  readonly gcloudOutput: string | undefined;

  constructor(gcloudOutput?: string) {
    super(INSTALL_HINT);
    this.name = 'EmulatorNotInstalledError';
    this.gcloudOutput = gcloudOutput;
  }
}

/** A running Pub/Sub emulator. */
export interface PubSubEmulator {
  /** `127.0.0.1:PORT`, the value for PUBSUB_EMULATOR_HOST. */
  host: string;
  projectId: string;
  /** The gcloud wrapper's pid, which is also the process group of the emulator's JVM. */
  pid: number;
  /** Stops the whole process group and removes a data directory it created. Idempotent. */
  stop(): Promise<void>;
}

/** Options for {@link startPubSubEmulator}. */
export interface StartPubSubEmulatorOptions {
  projectId?: string;
  /** A free one is picked when omitted. */
  port?: number;
  /** Where gcloud writes env.yaml; a temporary directory (removed on stop) when omitted. */
  dataDir?: string;
  /** Receives each line the emulator prints. */
  onLog?: (line: string) => void;
  startTimeoutMs?: number;
}

/** Options for {@link ensureTopicAndPushSubscription}. */
export interface TopicAndPushSubscription {
  /** The emulator's `HOST:PORT`. */
  host: string;
  projectId: string;
  topic: string;
  subscription: string;
  pushEndpoint: string;
  ackDeadlineSeconds?: number;
  /**
   * Where a message goes after `maxDeliveryAttempts` failed pushes: a topic with a pull
   * subscription of its own that keeps it (created too), as provisioning does in the cloud.
   */
  deadLetter?: DeadLetterSettings;
}

/** A push subscription's dead-letter topic, its keeping subscription and the retry backoff. */
export interface DeadLetterSettings {
  topic: string;
  subscription: string;
  /** 5-100, as Pub/Sub accepts. */
  maxDeliveryAttempts: number;
  minimumBackoffSeconds: number;
  maximumBackoffSeconds: number;
}

/**
 * The path of the `gcloud` executable found on `searchPath` (PATH by default), or undefined.
 * Looks at the directories itself so that no shell or `which` is needed.
 */
export async function findGcloud(
  // PATH is the operating system's program lookup, not the application's configuration.
  // eslint-disable-next-line no-restricted-properties
  searchPath: string = process.env['PATH'] ?? '',
): Promise<string | undefined> {
  for (const dir of searchPath.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, 'gcloud');
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

/**
 * Starts the real Pub/Sub emulator (`gcloud beta emulators pubsub start`) in a process group of
 * its own, because its JVM outlives the gcloud wrapper, and resolves once it answers HTTP.
 *
 * @throws {EmulatorNotInstalledError} when gcloud, the emulator component or Java is missing.
 * @throws {Error} with the emulator's last output when it exits or stays silent until the timeout.
 */
export async function startPubSubEmulator({
  projectId = 'local',
  port,
  dataDir,
  onLog,
  startTimeoutMs = 60_000,
}: StartPubSubEmulatorOptions = {}): Promise<PubSubEmulator> {
  const gcloud = await findGcloud();
  if (gcloud === undefined) throw new EmulatorNotInstalledError();
  const chosenPort = port ?? (await getPort({ host: '127.0.0.1' }));
  const host = `127.0.0.1:${chosenPort}`;
  // Another emulator already there would answer our readiness probe while ours fails to bind.
  if (await acceptsConnections(chosenPort)) {
    throw new Error(
      `Cannot start the Pub/Sub emulator: port ${chosenPort} on 127.0.0.1 is already in use`,
    );
  }
  const ownDataDir =
    dataDir === undefined ? await mkdtemp(join(tmpdir(), 'pubsub-emulator-')) : undefined;
  const child = spawn(
    gcloud,
    [
      'beta',
      'emulators',
      'pubsub',
      'start',
      `--host-port=${host}`,
      `--project=${projectId}`,
      `--data-dir=${dataDir ?? ownDataDir}`,
    ],
    // stdin is closed so a gcloud install prompt fails at once instead of waiting for an answer.
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const log = collectLines(child, onLog);
  const removeOwnDataDir = async () => {
    if (ownDataDir !== undefined) await rm(ownDataDir, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(child, host, startTimeoutMs, log);
  } catch (error) {
    await stopProcessGroup(child);
    await removeOwnDataDir();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    host,
    projectId,
    pid: child.pid as number, // spawned and answering, so it has a pid
    stop: () => {
      stopping ??= stopProcessGroup(child).finally(removeOwnDataDir);
      return stopping;
    },
  };
}

/**
 * The push subscription that delivers `topic` to persist at `persistUrl`, named and addressed as
 * every local setup does: `<topic>-persist`, pushing to `<persistUrl>/projects/<project>/topics/<topic>`
 * (the path only tells the logs where a push came from; persist answers on any path).
 */
export function persistPushSubscription(
  projectId: string,
  topic: string,
  persistUrl: string,
): Pick<TopicAndPushSubscription, 'projectId' | 'topic' | 'subscription' | 'pushEndpoint'> {
  return {
    projectId,
    topic,
    subscription: `${topic}-persist`,
    pushEndpoint: `${persistUrl}/projects/${projectId}/topics/${topic}`,
  };
}

/**
 * The push subscription that delivers the alerts `topic` to deliver-alerts at `deliverUrl`, as the
 * local setups make it: `<topic>-deliver-alerts`, with a dead-letter topic `<topic>-dead-letter`
 * kept by `<topic>-dead-letter-sub` after `maxDeliveryAttempts` failed pushes, as in the cloud
 * (infra/provision/), with a short backoff so a local failure shows within seconds.
 */
export function alertsPushSubscription(
  projectId: string,
  topic: string,
  deliverUrl: string,
  { maxDeliveryAttempts = 5 }: { maxDeliveryAttempts?: number } = {},
): Omit<TopicAndPushSubscription, 'host'> & { deadLetter: DeadLetterSettings } {
  return {
    projectId,
    topic,
    subscription: `${topic}-deliver-alerts`,
    pushEndpoint: `${deliverUrl}/projects/${projectId}/topics/${topic}`,
    deadLetter: {
      topic: `${topic}-dead-letter`,
      subscription: `${topic}-dead-letter-sub`,
      maxDeliveryAttempts,
      minimumBackoffSeconds: 1,
      maximumBackoffSeconds: 10,
    },
  };
}

/**
 * Creates `topic` and a push subscription to `pushEndpoint` on the emulator unless they exist,
 * and points an existing subscription at `pushEndpoint`; with `deadLetter`, the dead-letter topic,
 * its subscription and the subscription's dead-letter and retry policies too. Safe to call again.
 */
export async function ensureTopicAndPushSubscription({
  host,
  projectId,
  topic,
  subscription,
  pushEndpoint,
  ackDeadlineSeconds = 30,
  deadLetter,
}: TopicAndPushSubscription): Promise<void> {
  for (const name of [topic, subscription, deadLetter?.topic, deadLetter?.subscription]) {
    if (name === undefined) continue;
    // Pub/Sub rejects shorter names with an opaque INVALID_ARGUMENT.
    if (name.length < 3)
      throw new Error(`Pub/Sub topic and subscription names need at least 3 characters: "${name}"`);
  }
  const pubsub = new PubSub({ projectId, apiEndpoint: host, emulatorMode: true });
  try {
    await ignoreAlreadyExists(pubsub.createTopic(topic));
    const policies =
      deadLetter === undefined
        ? {}
        : {
            deadLetterPolicy: {
              deadLetterTopic: `projects/${projectId}/topics/${deadLetter.topic}`,
              maxDeliveryAttempts: deadLetter.maxDeliveryAttempts,
            },
            retryPolicy: {
              minimumBackoff: { seconds: deadLetter.minimumBackoffSeconds },
              maximumBackoff: { seconds: deadLetter.maximumBackoffSeconds },
            },
          };
    if (deadLetter !== undefined) {
      await ignoreAlreadyExists(pubsub.createTopic(deadLetter.topic));
      await ignoreAlreadyExists(
        pubsub.topic(deadLetter.topic).createSubscription(deadLetter.subscription),
      );
    }
    const created = await ignoreAlreadyExists(
      pubsub.topic(topic).createSubscription(subscription, {
        pushConfig: { pushEndpoint },
        ackDeadlineSeconds,
        ...policies,
      }),
    );
    if (created) return;
    const existing = pubsub.subscription(subscription);
    const [metadata] = await existing.getMetadata();
    if (metadata.pushConfig?.pushEndpoint !== pushEndpoint)
      await existing.modifyPushConfig({ pushEndpoint });
    if (deadLetter !== undefined) await existing.setMetadata(policies);
  } finally {
    await pubsub.close();
  }
}

/** The last lines a child printed, kept for error messages, and a promise that settles when its output ends. */
interface LineLog {
  recent: string[];
  ended: Promise<void>;
}

function collectLines(child: ChildProcess, onLog: ((line: string) => void) | undefined): LineLog {
  const recent: string[] = [];
  const streams = [child.stdout, child.stderr].filter((stream) => stream !== null);
  const ended = streams.map(
    (stream) =>
      new Promise<void>((resolve) => {
        const lines = createInterface({ input: stream });
        lines.on('line', (line) => {
          recent.push(line);
          if (recent.length > LOG_LINES_KEPT) recent.shift();
          onLog?.(line);
        });
        lines.once('close', resolve);
      }),
  );
  return { recent, ended: Promise.all(ended).then(() => undefined) };
}

async function waitUntilReady(
  child: ChildProcess,
  host: string,
  timeoutMs: number,
  log: LineLog,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  child.once('exit', (code, signal) => {
    exit = { code, signal };
  });
  // gcloud found but not runnable (a broken symlink, noexec): without a listener this would crash.
  child.once('error', (error) => {
    spawnError = error;
  });
  for (;;) {
    if (spawnError !== undefined) {
      throw new Error(`Could not run gcloud: ${spawnError.message}`, { cause: spawnError });
    }
    if (exit !== undefined) throw await exitedEarlyError(exit, log);
    if (await answersOk(host)) return;
    if (Date.now() > deadline) {
      throw new Error(
        `The Pub/Sub emulator did not answer on ${host} within ${timeoutMs} ms. Last output:\n${log.recent.join('\n')}`,
      );
    }
    await sleep(POLL_INTERVAL_MS);
  }
}

async function exitedEarlyError(
  exit: { code: number | null; signal: NodeJS.Signals | null },
  log: LineLog,
): Promise<Error> {
  // gcloud's explanation may still be in the pipe when the exit event arrives.
  await Promise.race([log.ended, sleep(1000)]);
  const output = log.recent.join('\n');
  // gcloud word-wraps its messages, even mid-sentence ("component manager \nis disabled").
  if (NOT_INSTALLED_OUTPUT.test(output.replace(/\s+/g, ' ')))
    return new EmulatorNotInstalledError(output);
  return new Error(
    `The Pub/Sub emulator exited (code ${exit.code}, signal ${exit.signal}) before answering. Last output:\n${output}`,
  );
}

async function answersOk(host: string): Promise<boolean> {
  try {
    const response = await fetch(`http://${host}/`, { signal: AbortSignal.timeout(1000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

/** Runs a create call; true when it created, false when the resource already existed. */
async function ignoreAlreadyExists(call: Promise<unknown>): Promise<boolean> {
  try {
    await call;
    return true;
  } catch (error) {
    const ALREADY_EXISTS = 6;
    if (
      typeof error === 'object' &&
      error !== null &&
      'code' in error &&
      error.code === ALREADY_EXISTS
    )
      return false;
    throw error;
  }
}

/**
 * The functions as Cloud Functions runs them, on the Functions Framework's test servers, wired to
 * the Pub/Sub emulator: what the end-to-end tests start before each exercises the pipeline.
 */
import type { Server } from 'node:http';
import { PubSub } from '@google-cloud/pubsub';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import type { PubSubEmulator } from '../../infra/local-stack/pubsub-emulator.js';
import { byFunction, type FunctionName } from '../../shared/function-names.js';
import { close, listen } from './http-server.js';

export type { FunctionName } from '../../shared/function-names.js';

/** A Pub/Sub client of the emulator's project. */
export function emulatorClient(emulator: PubSubEmulator): PubSub {
  return new PubSub({
    projectId: emulator.projectId,
    apiEndpoint: emulator.host,
    emulatorMode: true,
  });
}

export interface ServedFunctions {
  /** Base URL of each function served; '' for the others. */
  urls: Record<FunctionName, string>;
  close(): Promise<void>;
}

/**
 * Serves `names` on local ports. The functions read their configuration from the environment when
 * their module loads, so `env` is set first; a test file's module cache makes this once per file.
 */
export async function serveFunctions(
  env: Record<string, string>,
  names: FunctionName[],
): Promise<ServedFunctions> {
  Object.assign(process.env, env);
  const servers: Server[] = [];
  const urls = byFunction(() => '');
  for (const name of names) {
    // The entry module functions/<name>/index.ts registers the function with the framework.
    // @vite-ignore: vite would expand the template into a glob of .js files, which do not exist.
    await import(/* @vite-ignore */ `../../functions/${name}/index.js`);
    const server = getTestServer(name);
    servers.push(server);
    urls[name] = await listen(server);
  }
  return {
    urls,
    close: async () => {
      await Promise.all(servers.map((server) => close(server)));
    },
  };
}

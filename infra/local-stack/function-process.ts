import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FunctionName } from '../../shared/function-names.js';
import { stopProcessGroup } from './process-group.js';
import { REPO_ROOT } from './repo-root.js';
import { acceptsConnections } from './port-probe.js';

export interface FunctionProcess {
  name: FunctionName;
  port: number;
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export interface StartFunctionOptions {
  name: FunctionName;
  port: number;
  env: NodeJS.ProcessEnv;
  onLine: (line: string) => void;
  startTimeoutMs?: number;
}

const FUNCTIONS_FRAMEWORK = join(
  REPO_ROOT,
  'node_modules/@google-cloud/functions-framework/build/src/main.js',
);

/** The URL a function listening on `port` of this machine answers on. */
export function localUrl(port: number): string {
  return `http://127.0.0.1:${port}`;
}

/**
 * Runs one function on the Functions Framework, from its TypeScript source (tsx) in
 * `functions/<name>/index.ts`, which registers the function `<name>`, in a process group of its
 * own, and resolves once it answers HTTP. Rejects with its last output if it exits first (a port
 * already in use, a configuration error).
 */
export async function startFunction({
  name,
  port,
  env,
  onLine,
  startTimeoutMs = 30_000,
}: StartFunctionOptions): Promise<FunctionProcess> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      FUNCTIONS_FRAMEWORK,
      `--target=${name}`,
      `--source=functions/${name}/index.ts`,
      `--port=${port}`,
    ],
    { cwd: REPO_ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const recent: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      recent.push(line);
      if (recent.length > 30) recent.shift();
      onLine(line);
    });
  }
  const url = localUrl(port);
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code, signal) => {
      reject(
        new Error(
          `${name} exited (code ${code}, signal ${signal}) before answering on port ${port}:\n${recent.join('\n')}`,
        ),
      );
    });
  });
  const deadline = Date.now() + startTimeoutMs;
  // A TCP connect, not an HTTP request: a GET makes the framework's CloudEvent middleware throw for persist.
  const answers = (async () => {
    while (!(await acceptsConnections(port))) {
      if (Date.now() > deadline)
        throw new Error(`${name} did not listen on port ${port} within ${startTimeoutMs} ms`);
      await sleep(200);
    }
  })();
  try {
    await Promise.race([answers, exited]);
  } catch (error) {
    await stopProcessGroup(child);
    throw error;
  }
  exited.catch(() => undefined);
  return { name, port, url, child, stop: () => stopProcessGroup(child) };
}

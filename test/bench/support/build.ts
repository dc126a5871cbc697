import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../../infra/local-stack/repo-root.js';

/** Where the bench builds the functions: apart from dist/, which `npm run build` and deploys own. */
export const BUILD_DIR = join(REPO_ROOT, '.bench/build');

/**
 * Compiles the functions as the deploy does (tsconfig.build.json), so cold starts and servers run
 * the JavaScript Cloud Functions runs, not TypeScript compiled on the fly.
 *
 * @returns tsc's complaints, if any: tsc still writes the JavaScript, and the run goes on with it.
 */
export async function buildFunctions(): Promise<string | undefined> {
  await rm(BUILD_DIR, { recursive: true, force: true });
  try {
    await promisify(execFile)(
      process.execPath,
      [
        join(REPO_ROOT, 'node_modules/typescript/bin/tsc'),
        '-p',
        'tsconfig.build.json',
        '--outDir',
        BUILD_DIR,
      ],
      { cwd: REPO_ROOT },
    );
    return undefined;
  } catch (error) {
    const stdout = (error as { stdout?: unknown }).stdout;
    return typeof stdout === 'string' && stdout !== '' ? stdout : String(error);
  }
}

/** The built deployed main module (package.json "main" of the deploy). */
export const BUILT_MAIN = join(BUILD_DIR, 'functions/index.js');
export const BUILT_NATIVE_SERVER = join(BUILD_DIR, 'functions/api/native-server.js');

/** Every --entry-point the build deploys is a function the deployed module (package.json "main") registers. */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { getFunction } from '@google-cloud/functions-framework/testing';
import { describe, expect, it } from 'vitest';
import { FUNCTION_NAMES } from '../../shared/function-names.js';

const ALL = [...FUNCTION_NAMES].sort();

/** Imports the main module in a fresh process with FUNCTION_TARGET set, and lists what registered. */
async function registeredWith(target: string): Promise<string[]> {
  const script = `
    const { getFunction } = await import('@google-cloud/functions-framework/testing');
    await import(${JSON.stringify(new URL('../../functions/index.ts', import.meta.url).href)});
    console.log(JSON.stringify(${JSON.stringify(ALL)}.filter((name) => getFunction(name) !== undefined)));`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '--eval', script],
    {
      env: {
        ...process.env,
        FUNCTION_TARGET: target,
        DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
      },
    },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '[]') as string[];
}

describe('deployed entry points', () => {
  it('are registered by functions/index.ts, with the signature their trigger needs', async () => {
    const build = await readFile('cloudbuild.yaml', 'utf8');
    const entryPoints = [...build.matchAll(/--entry-point=([\w-]+)/g)].map((m) => m[1] ?? '');
    expect(entryPoints.sort()).toEqual(ALL);
    // Configuration is read at import; nothing connects until a request arrives.
    process.env.DATABASE_URL = 'postgres://nobody@127.0.0.1:1/none';
    // Without FUNCTION_TARGET (a local run naming its target with --target) every function registers.
    delete process.env.FUNCTION_TARGET;
    await import('../../functions/index.js');
    for (const name of entryPoints) expect(getFunction(name), name).toBeTypeOf('function');
    // persist and deliver-alerts take one CloudEvent; the HTTP functions take (request, response).
    expect(getFunction('persist')?.length).toBe(1);
    expect(getFunction('deliver-alerts')?.length).toBe(1);
    expect(getFunction('api')?.length).toBe(2);
    expect(getFunction('ingest')?.length).toBe(2);
  });

  it('loads only the function the platform names in FUNCTION_TARGET (a shorter cold start)', async () => {
    const registered = await Promise.all(ALL.map(registeredWith));
    expect(registered).toEqual(ALL.map((name) => [name]));
  });

  it('points package.json main at the built entry module, and gcp-build builds it', async () => {
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as {
      main: string;
      scripts: Record<string, string>;
    };
    expect(pkg.main).toBe('dist/functions/index.js');
    expect(pkg.scripts['gcp-build']).toBe('npm run build');
  });
});

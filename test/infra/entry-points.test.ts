/** Every --entry-point the build deploys is a function the deployed module (package.json "main") registers. */
import { readFile } from 'node:fs/promises';
import { getFunction } from '@google-cloud/functions-framework/testing';
import { describe, expect, it } from 'vitest';

describe('deployed entry points', () => {
  it('are registered by functions/index.ts, with the signature their trigger needs', async () => {
    const build = await readFile('cloudbuild.yaml', 'utf8');
    const entryPoints = [...build.matchAll(/--entry-point=([\w-]+)/g)].map((m) => m[1] ?? '');
    expect(entryPoints.sort()).toEqual(['api', 'ingest', 'persist']);
    // Configuration is read at import; nothing connects until a request arrives.
    process.env.DATABASE_URL = 'postgres://nobody@127.0.0.1:1/none';
    await import('../../functions/index.js');
    for (const name of entryPoints) expect(getFunction(name), name).toBeTypeOf('function');
    // persist takes one CloudEvent; the HTTP functions take (request, response).
    expect(getFunction('persist')?.length).toBe(1);
    expect(getFunction('api')?.length).toBe(2);
    expect(getFunction('ingest')?.length).toBe(2);
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

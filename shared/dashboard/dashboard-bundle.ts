import { mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One built file of the dashboard, named with its content's hash. */
export interface DashboardAsset {
  /** `main.3KX7Q2ZB.js`: the hash changes with the content, so it may be cached for ever. */
  name: string;
  type: string;
  body: Uint8Array<ArrayBuffer>;
}

/** The built page's files, and which of them the HTML page links. */
export interface DashboardBundle {
  script: string;
  stylesheet: string;
  assets: ReadonlyMap<string, DashboardAsset>;
}

/** What `writeDashboard` leaves beside the assets, for the api to find them by name. */
export interface DashboardManifest {
  script: string;
  stylesheet: string;
  files: Record<string, string>;
}

export const DASHBOARD_MANIFEST = 'manifest.json';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** The repository's dashboard/ folder; bundling runs from the sources (tsx), never from dist/. */
function dashboardSource(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dashboard');
}

/**
 * Bundles the page's TypeScript and CSS with esbuild, in memory, into content-hashed files.
 * esbuild is loaded only here: the deployed api serves files built beforehand and never calls it.
 */
export async function bundleDashboard(): Promise<DashboardBundle> {
  const { build } = await import('esbuild');
  const source = dashboardSource();
  const result = await build({
    entryPoints: { main: join(source, 'src', 'main.ts') },
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2022',
    minify: true,
    // The page links one script and one stylesheet: no chunks to preload.
    splitting: false,
    entryNames: '[name].[hash]',
    outdir: '/dashboard-assets',
    legalComments: 'linked',
    logLevel: 'silent',
  });
  const assets = new Map<string, DashboardAsset>();
  let script = '';
  let stylesheet = '';
  for (const file of result.outputFiles) {
    const name = basename(file.path);
    const extension = name.slice(name.lastIndexOf('.'));
    const type = TYPES[extension] ?? 'text/plain; charset=utf-8';
    assets.set(name, { name, type, body: new Uint8Array(file.contents) });
    if (extension === '.js') script = name;
    if (extension === '.css') stylesheet = name;
  }
  if (script === '' || stylesheet === '')
    throw new Error('dashboard bundle: esbuild made no script or no stylesheet');
  return { script, stylesheet, assets };
}

/** Writes a bundle and its manifest into `outDir` (emptied first), for the deployed api. */
export async function writeDashboard(bundle: DashboardBundle, outDir: string): Promise<void> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const files: Record<string, string> = {};
  for (const asset of bundle.assets.values()) {
    await writeFile(join(outDir, asset.name), asset.body);
    files[asset.name] = asset.type;
  }
  const manifest: DashboardManifest = {
    script: bundle.script,
    stylesheet: bundle.stylesheet,
    files,
  };
  await writeFile(join(outDir, DASHBOARD_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
}

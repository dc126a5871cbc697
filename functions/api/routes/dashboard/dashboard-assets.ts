import { readFile } from 'node:fs/promises';
import type {
  DashboardAsset,
  DashboardBundle,
  DashboardManifest,
} from '../../../../shared/dashboard/dashboard-bundle.js';

/**
 * The built dashboard from dist/dashboard/ (`npm run build`), beside the compiled api in
 * dist/functions/api/routes/dashboard/.
 */
async function readPrebuilt(): Promise<DashboardBundle> {
  const dir = new URL('../../../../dashboard/', import.meta.url);
  const manifest = JSON.parse(
    await readFile(new URL('manifest.json', dir), 'utf8'),
  ) as DashboardManifest;
  const assets = new Map<string, DashboardAsset>();
  for (const [name, type] of Object.entries(manifest.files))
    assets.set(name, { name, type, body: new Uint8Array(await readFile(new URL(name, dir))) });
  return { script: manifest.script, stylesheet: manifest.stylesheet, assets };
}

/** The bundler, loaded only when running from the sources: the deployed api never imports it. */
async function bundleFromSources(): Promise<DashboardBundle> {
  const { bundleDashboard } = await import('../../../../shared/dashboard/dashboard-bundle.js');
  return bundleDashboard();
}

/**
 * The dashboard's files, loaded once. Compiled (deployed, `npm run build`): the prebuilt ones.
 * From the sources (`npm start`, tests, both through tsx): bundled in memory on first use, so
 * they always match the sources and need no build step first.
 */
export function dashboardLoader(): () => Promise<DashboardBundle> {
  const fromSources = import.meta.url.endsWith('.ts');
  let loading: Promise<DashboardBundle> | undefined;
  return () => {
    loading ??= (fromSources ? bundleFromSources() : readPrebuilt()).catch((error: unknown) => {
      // A failed load is tried again by the next request rather than remembered.
      loading = undefined;
      throw error;
    });
    return loading;
  };
}

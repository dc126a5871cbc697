/**
 * `npm run build`'s last step: bundles the dashboard into dist/dashboard/, where the compiled api
 * (dist/functions/api/...) finds it. Run from the sources (tsx); the deploy's gcp-build runs it too.
 */
import { resolve } from 'node:path';
import { bundleDashboard, writeDashboard } from '../shared/dashboard/dashboard-bundle.js';

const outDir = resolve(import.meta.dirname, '..', 'dist', 'dashboard');
const bundle = await bundleDashboard();
await writeDashboard(bundle, outDir);
const bytes = [...bundle.assets.values()].reduce((sum, asset) => sum + asset.body.byteLength, 0);
process.stdout.write(
  `dashboard: ${bundle.assets.size} files, ${bytes} bytes, in ${outDir} (${bundle.script})\n`,
);

/**
 * The deployed entry point (package.json "main", built to dist/): Cloud Functions loads it and
 * calls the function named by --entry-point, which it also passes as FUNCTION_TARGET. Each function
 * registers itself on import.
 *
 * An instance imports only its own function: the api's cold start would otherwise also load the
 * Pub/Sub client (ingest) and validate configuration it never reads. Without FUNCTION_TARGET (a
 * local run that names its target with --target) every function registers, as before.
 */
const entryPoints: Record<string, () => Promise<unknown>> = {
  api: () => import('./api/index.js'),
  ingest: () => import('./ingest/index.js'),
  persist: () => import('./persist/index.js'),
};

// FUNCTION_TARGET is the platform's contract with the Functions Framework, not the app's configuration.
// eslint-disable-next-line no-restricted-properties
const target = process.env['FUNCTION_TARGET'];
const selected =
  target !== undefined && Object.hasOwn(entryPoints, target) ? [target] : Object.keys(entryPoints);
for (const name of selected) await entryPoints[name]?.();

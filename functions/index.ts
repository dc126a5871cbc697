/**
 * The deployed entry point (package.json "main", built to dist/): Cloud Functions loads it and
 * calls the function named by --entry-point, which it also passes as FUNCTION_TARGET. Each function
 * registers itself when `functions/<name>/index.ts` is imported (shared/function-names.ts).
 *
 * An instance imports only its own function: the api's cold start would otherwise also load the
 * Pub/Sub client (ingest) and validate configuration it never reads. Without FUNCTION_TARGET (a
 * local run that names its target with --target) every function registers.
 */
import { loadRuntimeConfig } from '../shared/config/runtime-config.js';
import { FUNCTION_NAMES, isFunctionName } from '../shared/function-names.js';

const target = loadRuntimeConfig().FUNCTION_TARGET;
const selected = target !== undefined && isFunctionName(target) ? [target] : [...FUNCTION_NAMES];
// @vite-ignore: under vitest, vite would otherwise turn the template into a glob of ./*/index.js
// files, which exist only in dist/; resolved as written, the specifier works for Node, tsx and vitest.
for (const name of selected) await import(/* @vite-ignore */ `./${name}/index.js`);

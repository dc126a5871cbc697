import { fileURLToPath } from 'node:url';

/** The repository's root: the local stack runs the functions' sources from here. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * `npm run generate:client`: writes client/src/openapi.d.ts from the api's OpenAPI document, built
 * in this process (no server, no database). Run it after changing a route; a test fails until the
 * committed file matches.
 */
import { writeFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { CLIENT_TYPES_PATH, generateClientTypes } from './client-types/generate-client-types.js';

await writeFile(CLIENT_TYPES_PATH, await generateClientTypes());
process.stdout.write(`wrote ${relative(process.cwd(), CLIENT_TYPES_PATH)}\n`);

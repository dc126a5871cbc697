/**
 * `npm start`: the whole platform on this machine, on the embedded defaults. Ctrl-C (or SIGTERM)
 * stops every process it started and the database, cleanly.
 */
import { loadLocalStackConfig } from '../../shared/config/local-stack-config.js';
import { runCli } from '../run-cli.js';
import { startLocalStack } from './local-stack.js';

await runCli('local-stack', process.env, async (config, logger) => {
  const stack = loadLocalStackConfig(process.env);
  const running = await startLocalStack({ config, stack, env: process.env, logger });

  const { api, ingest, persist } = running.urls;
  const messaging =
    running.messaging === 'pubsub-emulator'
      ? `Pub/Sub emulator at ${running.emulatorHost ?? ''} pushes here`
      : 'fed by direct pushes: NO Pub/Sub emulator';
  process.stdout.write(
    [
      '',
      'market-data-platform is running locally',
      `  api      ${api}   (try ${api}/price/latest?symbol=AAPL)`,
      `  ingest   ${ingest}   (called every ${config.INGESTION_INTERVAL_SECONDS}s by the local scheduler)`,
      `  persist  ${persist}   (${messaging})`,
      `  database ${running.databaseUrl.replace(/:[^:@/]*@/, ':***@')}`,
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );

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
});

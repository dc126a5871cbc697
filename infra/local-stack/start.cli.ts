/**
 * `npm start`: the whole platform on this machine, on the embedded defaults. Ctrl-C (or SIGTERM)
 * stops every process it started and the database, cleanly.
 */
import { loadConfig, type Env } from '../../shared/config/config.js';
import { loadLocalStackConfig } from '../../shared/config/local-stack-config.js';
import { FUNCTION_NAMES, type FunctionName } from '../../shared/function-names.js';
import { runCli } from '../run-cli.js';
import { startLocalStack, type RunningStack } from './local-stack.js';

const cli = {
  name: 'local-stack',
  command: 'npm start',
  // Every function's variables: the stack starts them all, and a bad value should stop it here,
  // in one line, rather than as a function's start-up failure.
  load: (env: Env) => ({ ...loadConfig(env), stack: loadLocalStackConfig(env) }),
};

await runCli(cli, process.env, async (config, logger) => {
  const running = await startLocalStack({ config, stack: config.stack, env: process.env, logger });

  // What each function is for, after its URL; a function without a hint is listed all the same.
  const hints: Partial<Record<FunctionName, string>> = {
    api: `try ${running.urls.api}/price/latest?symbol=AAPL`,
    ingest: `called every ${config.INGESTION_INTERVAL_SECONDS}s by the local scheduler, /maintenance hourly`,
    persist: messagingHint(running),
  };
  // The api bundles the dashboard from the sources on its first request: asked here, so the page
  // opens at once and a page that does not build is reported now.
  const dashboardUrl = `${running.urls.api}/dashboard`;
  const dashboard = await fetch(dashboardUrl).catch((error: unknown) => error);
  if (!(dashboard instanceof Response) || !dashboard.ok)
    logger.warn(
      { status: dashboard instanceof Response ? dashboard.status : String(dashboard) },
      'the dashboard did not build; GET /dashboard will answer an error',
    );
  process.stdout.write(
    [
      '',
      'market-data-platform is running locally',
      ...FUNCTION_NAMES.map((name) => {
        const hint = hints[name];
        return `  ${name.padEnd(8)} ${running.urls[name]}${hint === undefined ? '' : `   (${hint})`}`;
      }),
      `  dashboard ${dashboardUrl}   (live candlesticks, open it in a browser)`,
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

/** How messages reach persist: through the emulator, or pushed straight from ingest. */
function messagingHint(running: RunningStack): string {
  return running.messaging === 'pubsub-emulator'
    ? `Pub/Sub emulator at ${running.emulatorHost ?? ''} pushes here`
    : 'fed by direct pushes: NO Pub/Sub emulator';
}

/**
 * `npm start`: the whole platform on this machine, on the embedded defaults. Ctrl-C (or SIGTERM)
 * stops every process it started and the database, cleanly.
 */
import { loadConfig, type Config, type Env } from '../../shared/config/config.js';
import { loadDeliverAlertsConfig } from '../../shared/config/function-config.js';
import { loadLocalStackConfig } from '../../shared/config/local-stack-config.js';
import { FUNCTION_NAMES, type FunctionName } from '../../shared/function-names.js';
import { runCli } from '../run-cli.js';
import { startLocalStack, type RunningStack } from './local-stack.js';

/** The widest name in the list of what runs, so the URLs line up. */
const NAME_WIDTH = Math.max(...FUNCTION_NAMES.map((name) => name.length), 'dashboard'.length);

const cli = {
  name: 'local-stack',
  command: 'npm start',
  // Every function's variables: the stack starts them all, and a bad value should stop it here,
  // in one line, rather than as a function's start-up failure.
  // deliver-alerts' own checks too: its e-mail settings must make a whole, its routes name
  // configured channels.
  load: (env: Env) => {
    loadDeliverAlertsConfig(env);
    return { ...loadConfig(env), stack: loadLocalStackConfig(env) };
  },
};

await runCli(cli, process.env, async (config, logger) => {
  const running = await startLocalStack({ config, stack: config.stack, env: process.env, logger });

  // What each function is for, after its URL; a function without a hint is listed all the same.
  const hints: Partial<Record<FunctionName, string>> = {
    api: `try ${running.urls.api}/price/latest?symbol=AAPL`,
    ingest: `called every ${config.INGESTION_INTERVAL_SECONDS}s by the local scheduler, /maintenance hourly`,
    persist: messagingHint(running),
    'deliver-alerts': alertsHint(running, config),
    monitor: `the stale-feed check, called every ${config.INGESTION_INTERVAL_SECONDS}s by the local scheduler`,
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
        return `  ${name.padEnd(NAME_WIDTH)} ${running.urls[name]}${hint === undefined ? '' : `   (${hint})`}`;
      }),
      `  ${'dashboard'.padEnd(NAME_WIDTH)} ${dashboardUrl}   (live candlesticks, open it in a browser)`,
      `  ${'database'.padEnd(NAME_WIDTH)} ${running.databaseUrl.replace(/:[^:@/]*@/, ':***@')}`,
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

/** Where alerts come from and where they go, with the channels this run configured. */
function alertsHint(running: RunningStack, config: Config): string {
  const channels = [
    config.ALERT_WEBHOOK_URL === undefined ? undefined : 'webhook',
    config.ALERT_SMTP_HOST === undefined ? undefined : 'e-mail',
  ].filter((channel) => channel !== undefined);
  const to =
    channels.length === 0
      ? 'no channel configured: alerts are logged as WARNING lines'
      : `to ${channels.join(' and ')}`;
  return running.messaging === 'pubsub-emulator'
    ? `the emulator's ${config.ALERTS_TOPIC} topic pushes here; ${to}`
    : `NO Pub/Sub emulator, nothing pushes here; ${to}`;
}

/** How messages reach persist: through the emulator, or pushed straight from ingest. */
function messagingHint(running: RunningStack): string {
  return running.messaging === 'pubsub-emulator'
    ? `Pub/Sub emulator at ${running.emulatorHost ?? ''} pushes here`
    : 'fed by direct pushes: NO Pub/Sub emulator';
}

/**
 * `npm run replay -- --file TAPE --symbol SYM [--speed N|max] [--from T] [--to T]`: publishes a
 * recorded tape of trades through Pub/Sub, the production path (the emulator when
 * PUBSUB_EMULATOR_HOST is set, the real topic with credentials otherwise), then prints a summary.
 */
import { loadReplayConfig } from '../shared/config/replay-config.js';
import { createDirectPushPublisher } from '../shared/messaging/direct-push-publisher.js';
import { createPubSubPublisher } from '../shared/messaging/pubsub-publisher.js';
import { progressBar } from './replay/progress-bar.js';
import { parseReplayArgs, ReplayUsageError } from './replay/replay-args.js';
import { replayTape } from './replay/replay.js';
import { TapeError } from './replay/read-tape.js';
import { runCli } from './run-cli.js';

const cli = { name: 'replay', command: 'npm run replay', load: loadReplayConfig };

await runCli(cli, process.env, async (config, logger) => {
  let args;
  try {
    args = parseReplayArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof ReplayUsageError)) throw error;
    process.stderr.write(`replay: ${error.message}\n`);
    process.exit(2);
  }
  const publisher =
    config.PUBSUB_DIRECT_PUSH_URL === undefined
      ? createPubSubPublisher({
          projectId: config.GOOGLE_CLOUD_PROJECT,
          topic: config.PUBSUB_TOPIC,
          emulatorHost: config.PUBSUB_EMULATOR_HOST,
        })
      : createDirectPushPublisher(config.PUBSUB_DIRECT_PUSH_URL);
  const bar = progressBar();
  try {
    const summary = await replayTape(args, {
      publisher,
      batchSize: config.PUBLISH_BATCH_SIZE,
      logger,
      onProgress: (done, total) => {
        bar.update(done, total);
      },
    });
    logger.info(
      summary,
      `replayed ${summary.trades_published} trades of ${summary.file} as ${summary.symbol} in ${summary.messages_published} messages` +
        (summary.bad_lines > 0 ? `, ${summary.bad_lines} bad lines skipped` : ''),
    );
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } catch (error) {
    if (!(error instanceof TapeError)) throw error;
    process.stderr.write(`replay: ${error.message}\n`);
    process.exitCode = 1;
  } finally {
    await publisher.close();
  }
});

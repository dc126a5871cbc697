import { findGcloud } from '../../infra/local-stack/pubsub-emulator.js';

/**
 * Tests that need the Pub/Sub emulator skip, loudly, on a developer machine without gcloud; under
 * CI=true they run and fail with the message saying what to install.
 */
export const skipWithoutEmulator = (await findGcloud()) === undefined && process.env.CI !== 'true';

if (skipWithoutEmulator) {
  process.stderr.write(
    'WARNING: gcloud not found; skipping tests that need the Pub/Sub emulator (install google-cloud-cli and google-cloud-cli-pubsub-emulator). Under CI=true they fail instead.\n',
  );
}

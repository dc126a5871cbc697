import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium package: the browser tests never download one of their own. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

const INSTALL = 'apt-get install -y chromium';

/**
 * Browser tests skip, loudly, on a developer machine without Debian's chromium; under CI=true they
 * run and fail saying what to install (.ci/run installs it first).
 */
export const skipWithoutChromium = !existsSync(CHROMIUM_PATH) && process.env.CI !== 'true';

if (skipWithoutChromium) {
  process.stderr.write(
    `WARNING: ${CHROMIUM_PATH} not found; skipping the browser tests (${INSTALL}). Under CI=true they fail instead.\n`,
  );
}

/** Headless Chromium from the system package, as playwright-core drives it. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(`The browser tests need ${CHROMIUM_PATH}: ${INSTALL}`);
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

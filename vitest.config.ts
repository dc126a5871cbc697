import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Each file gets its own process: env, registered functions and pools never leak between files.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: [
            'test/integration/**/*.test.ts',
            'test/e2e/**/*.test.ts',
            'test/infra/**/*.test.ts',
          ],
          // A real PostgreSQL for the whole run, and a migrated template each file clones.
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
    ],
  },
});

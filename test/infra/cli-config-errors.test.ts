/**
 * A configuration mistake in a command-line tool is one plain line on stderr, naming the variable,
 * what is wrong and how to set it, and exit code 1: the real CLIs, run as operators run them.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a CLI with only the given variables besides PATH and HOME. */
function run(script: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', script, ...args],
      {
        cwd: root,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
        timeout: 60_000,
      },
      (error, stdout, stderr) => {
        resolve({
          code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1,
          stdout,
          stderr,
        });
      },
    );
  });
}

interface Case {
  command: string;
  script: string;
  args: string[];
  env: Record<string, string>;
  variable: string;
}

const cases: Case[] = [
  {
    command: 'npm run provision -- --dry-run',
    script: 'infra/provision.cli.ts',
    args: ['--dry-run'],
    env: {},
    variable: 'GOOGLE_CLOUD_PROJECT',
  },
  {
    command: 'npm run migrate',
    script: 'infra/migrate.cli.ts',
    args: [],
    env: { DB_POOL_MAX: 'many' },
    variable: 'DB_POOL_MAX',
  },
  {
    command: 'npm run keys -- list',
    script: 'infra/keys.cli.ts',
    args: ['list'],
    env: { DB_POOL_MAX: '0' },
    variable: 'DB_POOL_MAX',
  },
  {
    command: 'npm start',
    script: 'infra/local-stack/start.cli.ts',
    args: [],
    env: { API_PORT: '99999' },
    variable: 'API_PORT',
  },
  {
    command: 'npm start',
    script: 'infra/local-stack/start.cli.ts',
    args: [],
    env: { LOG_LEVEL: 'loud' },
    variable: 'LOG_LEVEL',
  },
];

describe('a configuration error in a CLI', () => {
  it.each(cases)(
    '$command, $variable missing or bad: one plain line naming it',
    async ({ script, args, env, variable }) => {
      const { code, stderr } = await run(script, args, env);
      expect(code, stderr).toBe(1);
      const lines = stderr.trimEnd().split('\n');
      expect(lines, stderr).toHaveLength(1);
      expect(stderr).toContain(variable);
      expect(stderr).not.toContain('"severity"');
      expect(stderr).not.toContain('    at ');
    },
  );

  it('says what is wrong and the command line that would set it', async () => {
    const { stderr } = await run('infra/provision.cli.ts', ['--dry-run'], {});
    expect(stderr).toMatch(/^provision: GOOGLE_CLOUD_PROJECT is required: must be a project id/);
    expect(stderr).toContain('(got nothing)');
    expect(stderr).toContain(
      'Set it in the environment, e.g. GOOGLE_CLOUD_PROJECT=my-project npm run provision -- --dry-run; every variable is described in .env.example.',
    );
  });

  it('reads only what the CLI reads: migrate ignores a bad api variable', async () => {
    // The unreachable database makes migrate fail after validation, as any failure that is not a
    // configuration error: the fatal log line, not the plain one.
    const { code, stdout, stderr } = await run('infra/migrate.cli.ts', [], {
      REQUIRE_API_KEY: 'yes',
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
      DB_CONNECT_TIMEOUT_SECONDS: '1',
    });
    expect(code).toBe(1);
    expect(stdout + stderr).not.toContain('REQUIRE_API_KEY');
    expect(stdout).toMatch(/"severity":"CRITICAL".*migrate failed/);
  });
});

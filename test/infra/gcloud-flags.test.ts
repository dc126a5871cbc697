/**
 * Every gcloud command in cloudbuild.yaml, infra/ and docs/deploy.md names a command and flags
 * that the installed Google Cloud CLI accepts, checked offline against `gcloud <command> --help`.
 */
import { execFile } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { findGcloud } from '../../infra/local-stack/pubsub-emulator.js';
import { alertThresholdsFragment } from '../../shared/config/fragments.js';

const root = join(import.meta.dirname, '..', '..');
const gcloud = await findGcloud();
// A developer without gcloud skips; CI must have it, so there the test fails saying what is missing.
const skip = gcloud === undefined && process.env.CI !== 'true';

interface GcloudCommand {
  where: string;
  tokens: string[];
}

describe.skipIf(skip)('gcloud commands and flags', () => {
  it('finds the deploy commands in cloudbuild.yaml', async () => {
    const commands = await cloudBuildCommands();
    const deploys = commands.filter((c) => c.tokens[0] === 'functions' && c.tokens[1] === 'deploy');
    expect(deploys.map((c) => c.tokens[2])).toEqual([
      'persist',
      'monitor',
      'ingest',
      'api',
      'deliver-alerts',
    ]);
    for (const deploy of deploys) {
      expect(deploy.tokens).toContain('--gen2');
      // The functions' source leaves out the typed client (client/), a package of its own.
      expect(deploy.tokens).toContain('--ignore-file=functions.gcloudignore');
      expect(deploy.tokens).toContain(`--entry-point=${deploy.tokens[2] ?? ''}`);
    }
    const ignored = (await readFile(join(root, 'functions.gcloudignore'), 'utf8')).split('\n');
    expect(ignored).toEqual(
      expect.arrayContaining(['node_modules', '#!include:.gitignore', 'client/']),
    );
    expect(deploys[0]?.tokens).toEqual(
      expect.arrayContaining(['--trigger-topic=${_TOPIC}', '--retry']),
    );
    // The stale-feed check and ingest: called by their scheduler jobs only (OIDC).
    for (const scheduled of [deploys[1], deploys[2]])
      expect(scheduled?.tokens).toEqual(
        expect.arrayContaining(['--trigger-http', '--no-allow-unauthenticated']),
      );
    // persist and monitor publish alerts: to the configured topic, in the build's project.
    for (const publishing of [deploys[0], deploys[1]])
      expect(publishing?.tokens.find((t) => t.startsWith('--set-env-vars='))).toMatch(
        /GOOGLE_CLOUD_PROJECT=\$\{PROJECT_ID\}[,;]ALERTS_TOPIC=\$\{_ALERTS_TOPIC\}/,
      );
    expect(deploys[3]?.tokens).toContain('--trigger-http');
    // The api serves /stream: long requests, many at once per instance.
    expect(deploys[3]?.tokens).toEqual(
      expect.arrayContaining(['--timeout=3600s', '--concurrency=1000', '--cpu=1']),
    );
    // The password never appears in the file: it comes from Secret Manager.
    for (const deploy of deploys.slice(0, 4))
      expect(deploy.tokens).toContain(
        '--set-secrets=DATABASE_PASSWORD=${_DB_PASSWORD_SECRET}:latest',
      );
    // deliver-alerts: triggered by the alerts topic, retried by redelivery, its secrets (the
    // database password, the webhook URL, the SMTP password) from Secret Manager too.
    expect(deploys[4]?.tokens).toEqual(
      expect.arrayContaining([
        '--trigger-topic=${_ALERTS_TOPIC}',
        '--retry',
        '--set-secrets=$$secrets',
      ]),
    );
    const build = await readFile(join(root, 'cloudbuild.yaml'), 'utf8');
    for (const secret of [
      'secrets="DATABASE_PASSWORD=${_DB_PASSWORD_SECRET}:latest"',
      'secrets="$$secrets,ALERT_WEBHOOK_URL=${_ALERT_WEBHOOK_SECRET}:latest"',
      'secrets="$$secrets,ALERT_SMTP_PASSWORD=${_ALERT_SMTP_PASSWORD_SECRET}:latest"',
    ])
      expect(build).toContain(secret);
    expect(build).not.toMatch(/ALERT_(WEBHOOK_URL|SMTP_PASSWORD)=[^$]/);
  });

  it(
    'every command is a gcloud command and every flag one it lists',
    { timeout: 180_000 },
    async () => {
      const commands = [
        ...(await cloudBuildCommands()),
        ...(await infraCommands()),
        ...(await docsCommands()),
      ];
      expect(commands.length).toBeGreaterThanOrEqual(8);
      const problems: string[] = [];
      for (const command of commands) {
        const help = await helpFor(command.tokens);
        const path = /^NAME\n\s+gcloud ([a-z0-9 -]+?) - /m.exec(help)?.[1]?.split(' ') ?? [];
        const positional = command.tokens.filter((t) => !t.startsWith('-'));
        if (path.length === 0 || path.some((word, i) => positional[i] !== word)) {
          problems.push(`${command.where}: "gcloud ${command.tokens.join(' ')}" is not a command`);
          continue;
        }
        if (/\bGROUP \| COMMAND\b|^\s+gcloud [a-z -]+ COMMAND\b/m.test(help)) {
          problems.push(`${command.where}: "gcloud ${path.join(' ')}" is a group, not a command`);
          continue;
        }
        for (const token of command.tokens.filter((t) => t.startsWith('--'))) {
          const flag = token.split('=')[0] ?? token;
          if (!listsFlag(help, flag))
            problems.push(`${command.where}: gcloud ${path.join(' ')} has no flag ${flag}`);
        }
      }
      expect(problems).toEqual([]);
    },
  );
});

// Read from the file alone: no gcloud needed.
describe('the anomaly rules’ thresholds in cloudbuild.yaml', () => {
  it('persist and monitor, which apply them, and the api, which shows them, get the same ones', async () => {
    const deploys = (await cloudBuildCommands()).filter(
      (c) => c.tokens[0] === 'functions' && c.tokens[1] === 'deploy',
    );
    const thresholdsOf = (name: string) => {
      const env = deploys
        .find((c) => c.tokens[2] === name)
        ?.tokens.find((t) => t.startsWith('--set-env-vars='));
      return [...(env ?? '').matchAll(/\b(ALERT_[A-Z_]+)=\$\{(_ALERT_[A-Z_]+)\}/g)]
        .map((m) => `${m[1] ?? ''}=${m[2] ?? ''}`)
        .sort();
    };
    const isThreshold = (pair: string) => (pair.split('=')[0] ?? '') in alertThresholdsFragment;
    // Every threshold shared/config lets a deployer set, each from the substitution of its name.
    const expected = Object.keys(alertThresholdsFragment)
      .map((name) => `${name}=_${name}`)
      .sort();
    expect(expected).toHaveLength(6);
    for (const name of ['persist', 'monitor', 'api'])
      expect(thresholdsOf(name).filter(isThreshold), name).toEqual(expected);
    // The RSI's period and intervals: persist alone computes RSI, and only it gets them.
    expect(thresholdsOf('persist').filter((pair) => !isThreshold(pair))).toEqual([
      'ALERT_RSI_INTERVALS=_ALERT_RSI_INTERVALS',
      'ALERT_RSI_WINDOW=_ALERT_RSI_WINDOW',
    ]);
    for (const name of ['monitor', 'api'])
      expect(
        thresholdsOf(name).filter((pair) => !isThreshold(pair)),
        name,
      ).toEqual([]);
    // Each substitution is declared empty: the default is shared/config's, written once.
    const build = await readFile(join(root, 'cloudbuild.yaml'), 'utf8');
    for (const name of [
      ...Object.keys(alertThresholdsFragment),
      'ALERT_RSI_WINDOW',
      'ALERT_RSI_INTERVALS',
    ])
      expect(build).toMatch(new RegExp(`^  _${name}: ''$`, 'm'));
  });
});

/** A flag is listed as `--name`, or for a negated boolean as `--[no-]name`. */
function listsFlag(help: string, flag: string): boolean {
  const escaped = (name: string) => name.replace(/[-[\]]/g, '\\$&');
  const listed = (text: string) => new RegExp(`${escaped(text)}(?![a-z0-9-])`).test(help);
  if (listed(flag)) return true;
  const name = flag.slice(2);
  if (name.startsWith('no-')) return listed(`--[no-]${name.slice(3)}`);
  return listed(`--[no-]${name}`);
}

const helpCache = new Map<string, Promise<string>>();

/** `gcloud <positional words> --help`: gcloud shows the command's help whatever positionals follow. */
function helpFor(tokens: string[]): Promise<string> {
  const words = tokens.filter((t) => !t.startsWith('-'));
  const key = words.join(' ');
  let help = helpCache.get(key);
  if (help === undefined) {
    help = promisify(execFile)(gcloud ?? 'gcloud', [...words, '--help'], {
      env: { ...process.env, CLOUDSDK_CORE_DISABLE_PROMPTS: '1', PAGER: 'cat', TERM: 'dumb' },
      maxBuffer: 16 * 1024 * 1024,
    }).then(
      // gcloud prints bold and underline escapes even into a pipe.
      ({ stdout }) => stdout.replace(/\x1b\[[0-9;]*m/g, ''), // eslint-disable-line no-control-regex
      (error: unknown) => `gcloud failed: ${String(error)}`,
    );
    helpCache.set(key, help);
  }
  return help;
}

/**
 * The gcloud invocations of cloudbuild.yaml: steps whose entrypoint is gcloud (their args) and
 * `gcloud ...` lines of bash scripts. A reader of exactly the shape the file keeps (block or flow
 * lists of plain scalars, `|` blocks) rather than a YAML dependency.
 */
async function cloudBuildCommands(): Promise<GcloudCommand[]> {
  const lines = (await readFile(join(root, 'cloudbuild.yaml'), 'utf8')).split('\n');
  const commands: GcloudCommand[] = [];
  let step: { id: string; entrypoint: string; args: string[] } | undefined;
  const finish = () => {
    if (step === undefined) return;
    const where = `cloudbuild.yaml step ${step.id}`;
    if (step.entrypoint === 'gcloud') commands.push({ where, tokens: step.args });
    if (step.entrypoint === 'bash') commands.push(...scriptCommands(where, step.args.join('\n')));
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const id = /^ {2}- id: (\S+)/.exec(line);
    if (id !== null) {
      finish();
      step = { id: id[1] ?? '', entrypoint: '', args: [] };
      continue;
    }
    if (step === undefined) continue;
    const entrypoint = /^ {4}entrypoint: (\S+)/.exec(line);
    if (entrypoint !== null) step.entrypoint = entrypoint[1] ?? '';
    const flow = /^ {4}args: \[(.*)\]$/.exec(line);
    if (flow !== null) step.args = (flow[1] ?? '').split(',').map((a) => a.trim());
    if (/^ {4}args:$/.test(line)) {
      while (/^ {6}- /.test(lines[i + 1] ?? '')) {
        const item = (lines[++i] ?? '').slice(8);
        if (item !== '|') {
          step.args.push(unquote(item));
          continue;
        }
        const block: string[] = [];
        while (/^ {8}|^$/.test(lines[i + 1] ?? 'end') && i + 1 < lines.length)
          block.push((lines[++i] ?? '').slice(8));
        step.args.push(block.join('\n'));
      }
    }
    if (/^\S/.test(line)) {
      finish();
      step = undefined;
    }
  }
  finish();
  return commands;
}

/** `gcloud ...` lines of a shell script or a documentation code block, continuations joined. */
function scriptCommands(where: string, script: string): GcloudCommand[] {
  return script
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.trim().replace(/^\$ /, ''))
    .filter((line) => line.startsWith('gcloud '))
    .map((line) => ({ where, tokens: shellWords(line.replace(/\s+[|>&;].*$/, '')).slice(1) }));
}

/** The gcloud calls of infra/ sources: `spawn(gcloud, [...])` argument lists. */
async function infraCommands(): Promise<GcloudCommand[]> {
  const commands: GcloudCommand[] = [];
  const files = (await readdir(join(root, 'infra'), { recursive: true })).filter((f) =>
    f.endsWith('.ts'),
  );
  for (const file of files) {
    const source = await readFile(join(root, 'infra', file), 'utf8');
    for (const call of source.matchAll(/spawn\(\s*gcloud,\s*\[([\s\S]*?)\]/g)) {
      const tokens = [...(call[1] ?? '').matchAll(/'([^']*)'|`([^`$]*)/g)].map(
        (m) => m[1] ?? m[2] ?? '',
      );
      commands.push({ where: `infra/${file}`, tokens: tokens.filter((t) => t !== '') });
    }
  }
  return commands;
}

/** The gcloud commands of docs/deploy.md's code blocks. */
async function docsCommands(): Promise<GcloudCommand[]> {
  const text = await readFile(join(root, 'docs', 'deploy.md'), 'utf8').catch(() => '');
  return [...text.matchAll(/```(?:bash|sh|console)?\n([\s\S]*?)```/g)].flatMap((block) =>
    scriptCommands('docs/deploy.md', block[1] ?? ''),
  );
}

function shellWords(line: string): string[] {
  return [...line.matchAll(/(?:[^\s'"]+|'[^']*'|"[^"]*")+/g)].map((m) => unquote(m[0]));
}

function unquote(word: string): string {
  return word.replace(
    /'([^']*)'|"([^"]*)"/g,
    (_m, a: string | undefined, b: string | undefined) => a ?? b ?? '',
  );
}

/**
 * The layout's rules, checked on the source: each function stands alone, shared code depends on no
 * function, and only the candles route knows candles as JSON text.
 */
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(join(root, dir), { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

/** The repository paths a file imports with relative specifiers (static and dynamic). */
async function relativeImports(file: string): Promise<string[]> {
  const text = await readFile(join(root, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:from|import\(?)\s*['"](\.{1,2}\/[^'"]+)['"]/g)];
  return specifiers.map((match) =>
    relative(root, resolve(root, dirname(file), match[1] ?? ''))
      .split(sep)
      .join('/'),
  );
}

describe('layout', () => {
  it('no function imports another function’s folder', async () => {
    const crossings: string[] = [];
    for (const file of await sourceFiles('functions')) {
      const own = file.split(sep)[1];
      for (const target of await relativeImports(file)) {
        const [top, name] = target.split('/');
        if (top === 'functions' && name !== own && target.split('/').length > 2)
          crossings.push(`${file} → ${target}`);
      }
    }
    expect(crossings).toEqual([]);
  });

  it('shared/ depends on no function and no infra code', async () => {
    const outward: string[] = [];
    for (const file of await sourceFiles('shared'))
      for (const target of await relativeImports(file))
        if (!target.startsWith('shared/')) outward.push(`${file} → ${target}`);
    expect(outward).toEqual([]);
  });

  it('only the candles route’s serializer reads candles as JSON text', async () => {
    const readers: string[] = [];
    for (const file of [...(await sourceFiles('functions')), ...(await sourceFiles('shared'))])
      if ((await readFile(join(root, file), 'utf8')).includes('candle_json(')) readers.push(file);
    expect(readers).toEqual([
      join('functions', 'api', 'routes', 'candles', 'candles.serializer.ts'),
    ]);
  });

  it('the api loads the indicator math only when an indicator is asked for', async () => {
    // The static import graph of the api's entry module (type-only imports are erased).
    const packages = new Set<string>();
    const seen = new Set<string>();
    const walk = async (file: string): Promise<void> => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = await readFile(join(root, file), 'utf8');
      for (const [, specifier = ''] of text.matchAll(
        /^import\s+(?!type\b)[^'"]*['"]([^'"]+)['"]/gm,
      )) {
        if (!specifier.startsWith('.')) packages.add(specifier);
        else
          await walk(
            relative(root, resolve(root, dirname(file), specifier.replace(/\.js$/, '.ts'))),
          );
      }
    };
    await walk(join('functions', 'api', 'index.ts'));
    expect(seen.size).toBeGreaterThan(30);
    expect([...packages]).not.toContain('trading-signals');
  });
});

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { resolveLayout, type TapeLayoutName, type TapeTrade } from './tape-layouts.js';

/** A tape the replay cannot read at all (missing file, unknown layout, a bad line when they stop it). */
export class TapeError extends Error {
  override readonly name = 'TapeError';
}

export type TapeLine = { line: number; trade: TapeTrade } | { line: number; problem: string };

/**
 * The data lines of a tape with their 1-based line numbers, each parsed whole: a trade, or what is
 * wrong with it. Blank lines and the header are left out. The layout is resolved from the first line
 * (or `given`) and reported through `onLayout`.
 *
 * @throws TapeError when the file cannot be opened or its layout is unknown.
 */
export async function* readTape(
  file: string,
  given: TapeLayoutName | undefined,
  onLayout: (name: TapeLayoutName) => void = () => undefined,
): AsyncGenerator<TapeLine> {
  const stream = createReadStream(file, { encoding: 'utf8' });
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('open', () => {
      resolve();
    });
    stream.once('error', reject);
  });
  try {
    await opened;
  } catch (error) {
    throw new TapeError(
      `cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let layout: ReturnType<typeof resolveLayout> | undefined;
  let number = 0;
  try {
    for await (const raw of lines) {
      number++;
      // A UTF-8 byte order mark is no part of the first field.
      const text = (number === 1 ? raw.replace(/^\uFEFF/, '') : raw).trim();
      if (text === '') continue;
      if (layout === undefined) {
        layout = resolveLayout(text, given);
        if (typeof layout === 'string') throw new TapeError(`${file}: line ${number}: ${layout}`);
        onLayout(layout.name);
        if (layout.header) continue;
      }
      if (typeof layout === 'string') continue;
      const parsed = layout.parse(text);
      yield 'problem' in parsed
        ? { line: number, problem: parsed.problem }
        : { line: number, trade: parsed };
    }
  } finally {
    lines.close();
    stream.destroy();
  }
}

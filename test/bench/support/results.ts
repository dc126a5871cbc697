import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** A goal a figure must reach: at least (`>=`) or at most (`<=`) `value`. */
export interface Goal {
  op: '>=' | '<=';
  value: number;
}

/** One figure of the run, as written to the JSON. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** The same work done the way it is compared against, measured in the same run. */
  baseline?: number;
  ratio?: number;
  goal?: string;
  holds?: boolean;
  /** How it was measured, in a few words. */
  note?: string;
}

export interface BenchReport {
  machine: Record<string, unknown>;
  results: BenchResult[];
}

/** A figure with its goal checked; rounded so the table and the JSON say the same. */
export function result(
  name: string,
  value: number,
  unit: string,
  options: { goal?: Goal; baseline?: number; ratio?: number; note?: string } = {},
): BenchResult {
  const { goal, baseline, ratio, note } = options;
  const rounded = round(value);
  return {
    name,
    value: rounded,
    unit,
    ...(baseline === undefined ? {} : { baseline: round(baseline) }),
    ...(ratio === undefined ? {} : { ratio: round(ratio) }),
    ...(goal === undefined
      ? {}
      : {
          goal: `${goal.op === '>=' ? '≥' : '≤'} ${goal.value}`,
          holds: goal.op === '>=' ? rounded >= goal.value : rounded <= goal.value,
        }),
    ...(note === undefined ? {} : { note }),
  };
}

/** Three significant digits, whole numbers kept whole: noise below that is not a finding. */
export function round(value: number): number {
  if (!Number.isFinite(value) || value === 0) return value;
  if (Math.abs(value) >= 100) return Math.round(value);
  const digits = 2 - Math.floor(Math.log10(Math.abs(value)));
  return Number(value.toFixed(Math.max(0, digits)));
}

/** The results as a fixed-width table, one line each. */
export function formatTable(results: BenchResult[]): string {
  const rows = [
    ['name', 'value', 'unit', 'baseline', 'ratio', 'goal', 'holds'],
    ...results.map((r) => [
      r.name,
      String(r.value),
      r.unit,
      r.baseline === undefined ? '' : String(r.baseline),
      r.ratio === undefined ? '' : `${r.ratio}×`,
      r.goal ?? '',
      r.holds === undefined ? '' : r.holds ? 'yes' : 'NO',
    ]),
  ];
  return formatColumns(rows);
}

/** Rows of cells in aligned columns, the first row being the header. */
export function formatColumns(rows: string[][]): string {
  const widths =
    rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The JSON at `path`, and beside it the same table in Markdown for docs/benchmarks.md. */
export async function writeReport(path: string, report: BenchReport): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(path.replace(/(\.json)?$/, '.md'), formatMarkdown(report.results));
}

function formatMarkdown(results: BenchResult[]): string {
  const cell = (text: string) => text.replaceAll('|', '\\|');
  const lines = [
    '| name | value | unit | baseline | ratio | goal | holds | how |',
    '| --- | ---: | --- | ---: | ---: | --- | --- | --- |',
    ...results.map(
      (r) =>
        `| \`${r.name}\` | ${r.value} | ${r.unit} | ${r.baseline ?? ''} | ${r.ratio === undefined ? '' : `${r.ratio}×`} | ${r.goal ?? ''} | ${r.holds === undefined ? '' : r.holds ? 'yes' : '**no**'} | ${cell(r.note ?? '')} |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * What every `bench/*.bench.ts` module returns: rows of one table, each figure beside its goal. A module exports
 * `run(ctx: BenchContext): Promise<BenchRow[]>`; `bench/run.ts` runs them in turn and prints and writes the table.
 */

/** One figure. `ok`: true/false against `goal`, null when the row is information only (no goal, or not measured). */
export interface BenchRow {
  section: string;
  name: string;
  value: number | string;
  unit: string;
  goal: string;
  ok: boolean | null;
  /** A short qualifier printed under the table (how it was measured, why it is missing). */
  note?: string;
}

/** What a module gets: quick mode (`BENCH_QUICK=1`, a ~1-minute subset), a logger for progress lines, the env. */
export interface BenchContext {
  quick: boolean;
  log(line: string): void;
  env: NodeJS.ProcessEnv;
}

/** A bench module. */
export type BenchModule = (ctx: BenchContext) => Promise<BenchRow[]>;

export const row = (
  section: string,
  name: string,
  value: number | string,
  unit: string,
  goal = '',
  ok: boolean | null = null,
  note?: string,
): BenchRow => ({ section, name, value, unit, goal, ok, ...(note ? { note } : {}) });

/** Rounds for display: integers as is, small numbers to 3 significant digits. */
export function fmt(v: number | string): string {
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  const abs = Math.abs(v);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

const verdict = (ok: boolean | null) => (ok === null ? '' : ok ? 'met' : 'MISSED');

/** The table as aligned plain text (the console) and as Markdown (BENCH.md). */
export function renderText(rows: BenchRow[]): string {
  const cells = [
    ['section', 'figure', 'value', 'goal', ''],
    ...rows.map((r) => [r.section, r.name, `${fmt(r.value)}${r.unit ? ` ${r.unit}` : ''}`, r.goal, verdict(r.ok)]),
  ];
  const widths = cells[0]!.map((_, c) => Math.max(...cells.map((r) => r[c]!.length)));
  const line = (r: string[]) =>
    r
      .map((cell, c) => (c === 2 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [line(cells[0]!), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

const md = (s: string) => s.replaceAll('|', '\\|');

export function renderMarkdown(rows: BenchRow[]): string {
  const out = ['| section | figure | value | goal | |', '|---|---|---:|---|---|'];
  for (const r of rows) {
    out.push(
      `| ${md(r.section)} | ${md(r.name)} | ${md(`${fmt(r.value)}${r.unit ? ` ${r.unit}` : ''}`)} | ${md(r.goal)} | ${verdict(r.ok)} |`,
    );
  }
  return out.join('\n');
}

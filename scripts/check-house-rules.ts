/**
 * `npm run lint`'s dependency check: `tsx scripts/check-house-rules.ts [root]` cruises `<root>/src` (default: this
 * repository) with the rules in .dependency-cruiser.cjs, then checks the two rules dependency-cruiser cannot say:
 * - `no-folder-cycle`: the folder graph (top-level folders under src/, and the subfolders of slack/ and commands/)
 *   has no cycle, even where no file cycle exists: folder A importing B and B importing A is refused;
 * - `only-config-reads-env`: only src/config/ reads `process.env` (src/devtools/ exempt: dev/test helpers).
 * Prints one line per violation, `error <rule>: <file> → <what it imports or reads>`, and exits 1 on any that
 * `--baseline <file>` does not list. The baseline (.house-rules-baseline.json) holds the violations the layout still
 * has while the restructure moves files; it only shrinks: fix one, then `npm run lint:baseline` to drop its entry.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { envViolations } from './house-rules/env-reads.js';
import { folderCycleViolations } from './house-rules/folder-cycles.js';
import type { Violation } from './house-rules/violation.js';

const REPO = resolve(import.meta.dirname, '..');

export type { Violation };

export interface HouseRulesReport {
  violations: Violation[];
  modules: number;
  dependencies: number;
  folders: number;
  /** Folder arrows that lie on a cycle (see folderCycleViolations). */
  cycleEdges: string[];
}

/** Cruises `<root>/src` with the repository's rules and adds the folder-cycle and process.env checks. */
export async function checkHouseRules(root: string = REPO): Promise<HouseRulesReport> {
  const options = await extractDepcruiseOptions(join(REPO, '.dependency-cruiser.cjs'));
  const result = await cruise(
    ['src'],
    { ...options, baseDir: root, outputType: 'json' },
    {},
    { tsConfig: extractTSConfig(join(REPO, 'tsconfig.json')) },
  );
  const cruised: ICruiseResult =
    typeof result.output === 'string' ? (JSON.parse(result.output) as ICruiseResult) : result.output;
  const violations: Violation[] = cruised.summary.violations.map((v) => ({
    rule: v.rule.name,
    file: v.from,
    detail: v.cycle ? v.cycle.map((c) => c.name).join(' → ') : v.to,
  }));
  const folderCheck = folderCycleViolations(cruised.modules);
  violations.push(...folderCheck.violations, ...envViolations(root, cruised.modules));
  return {
    violations,
    modules: cruised.summary.totalCruised,
    dependencies: cruised.summary.totalDependenciesCruised ?? 0,
    folders: folderCheck.folders,
    cycleEdges: folderCheck.cycleEdges,
  };
}

/**
 * What a baseline lists to tolerate a violation: rule, file and import, without line numbers; for a folder cycle,
 * each of its arrows (`no-folder-cycle: A → B`), so a cycle made only of tolerated arrows stays tolerated when the
 * files behind them move, and one new arrow closing a cycle fails.
 */
export function violationKeys(v: Violation): string[] {
  if (v.edges) return v.edges.map((e) => `${v.rule}: ${e}`);
  return [`${v.rule}: ${v.file} → ${v.detail.replace(/ \(line \d+\)$/, '')}`];
}

/** Every key the current tree would need in a baseline: each violation's, plus every folder arrow on a cycle. */
export function baselineKeys(report: HouseRulesReport): string[] {
  const keys = report.violations.filter((v) => !v.edges).flatMap(violationKeys);
  keys.push(...report.cycleEdges.map((e) => `no-folder-cycle: ${e}`));
  return [...new Set(keys)].sort();
}

/** The report split by a baseline: `fresh` violations fail, `known` ones are tolerated, `fixed` entries are stale. */
export function applyBaseline(report: HouseRulesReport, baseline: readonly string[]) {
  const listed = new Set(baseline);
  const isKnown = (v: Violation) => violationKeys(v).every((k) => listed.has(k));
  const found = new Set(baselineKeys(report));
  return {
    fresh: report.violations.filter((v) => !isKnown(v)),
    known: report.violations.filter(isKnown),
    fixed: baseline.filter((k) => !found.has(k)),
  };
}

function violationLines(v: Violation): string[] {
  return v.imports
    ? [`error ${v.rule}: ${v.file} (${v.detail})`, ...v.imports.map((i) => `    ${i}`)]
    : [`error ${v.rule}: ${v.file} → ${v.detail}`];
}

/** The report as printed: one line per violation (folder cycles with their imports below), then a summary line. */
export function formatReport(
  report: HouseRulesReport,
  baseline?: { file: string; entries: readonly string[] },
): string {
  const counted = `${report.modules} modules, ${report.dependencies} dependencies, ${report.folders} folders`;
  const { fresh, known, fixed } = applyBaseline(report, baseline?.entries ?? []);
  const lines = fresh.flatMap(violationLines);
  for (const v of known) lines.push(`known ${v.rule}: ${v.file}${v.edges ? '' : ` → ${v.detail}`}`);
  for (const k of fixed) lines.push(`fixed ${k} (remove it from ${baseline?.file})`);
  const tolerated = known.length ? `; ${known.length} known violation(s) tolerated by ${baseline?.file}` : '';
  lines.push(
    fresh.length
      ? `house rules: ${fresh.length} violation(s) (${counted}${tolerated})`
      : `house rules: OK (${counted}${tolerated})`,
  );
  return `${lines.join('\n')}\n`;
}

function readBaseline(file: string): string[] {
  const entries: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(entries) || !entries.every((e) => typeof e === 'string')) {
    throw new Error(`${file}: expected a JSON array of violation keys`);
  }
  return entries;
}

// `tsx scripts/check-house-rules.ts [root] [--baseline file] [--update-baseline]`
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--baseline');
  const baselineFile = at >= 0 ? args[at + 1] : undefined;
  const root = resolve(args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--baseline') ?? REPO);
  const report = await checkHouseRules(root);
  if (baselineFile && args.includes('--update-baseline')) {
    // Drops the entries that are fixed; never adds one, except when there is no baseline yet.
    const found = baselineKeys(report);
    const kept = existsSync(baselineFile) ? found.filter((k) => readBaseline(baselineFile).includes(k)) : found;
    writeFileSync(baselineFile, `${JSON.stringify(kept, null, 2)}\n`);
  }
  const baseline = baselineFile ? { file: baselineFile, entries: readBaseline(baselineFile) } : undefined;
  const out = formatReport(report, baseline);
  if (applyBaseline(report, baseline?.entries ?? []).fresh.length) {
    process.stderr.write(root === REPO ? out : `${relative(process.cwd(), root) || '.'}:\n${out}`);
    process.exitCode = 1;
  } else {
    process.stdout.write(out);
  }
}

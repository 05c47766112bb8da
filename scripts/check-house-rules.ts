/**
 * `npm run lint`'s dependency check: `tsx scripts/check-house-rules.ts [root]` cruises `<root>/src` (default: this
 * repository) with the rules in .dependency-cruiser.cjs, then checks the two rules dependency-cruiser cannot say:
 * - `no-folder-cycle`: the folder graph has no cycle, even where no file cycle exists: folder A importing B and B
 *   importing A is refused. Counted between the top-level folders under src/ (type-only imports included), and
 *   between the rooms inside slack/ and commands/ (transport, delivery; incident, redis);
 * - `only-config-reads-env`: only src/config/ reads `process.env` (src/devtools/ exempt: dev/test helpers).
 * Prints one line per violation, `error <rule>: <file> → <what it imports or reads>`, and exits 1 on any.
 */
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
  };
}

function violationLines(v: Violation): string[] {
  return v.imports
    ? [`error ${v.rule}: ${v.file} (${v.detail})`, ...v.imports.map((i) => `    ${i}`)]
    : [`error ${v.rule}: ${v.file} → ${v.detail}`];
}

/** The report as printed: one line per violation (folder cycles with their imports below), then a summary line. */
export function formatReport(report: HouseRulesReport): string {
  const counted = `${report.modules} modules, ${report.dependencies} dependencies, ${report.folders} folders`;
  const lines = report.violations.flatMap(violationLines);
  lines.push(
    report.violations.length
      ? `house rules: ${report.violations.length} violation(s) (${counted})`
      : `house rules: OK (${counted})`,
  );
  return `${lines.join('\n')}\n`;
}

// `tsx scripts/check-house-rules.ts [root]`
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = resolve(process.argv[2] ?? REPO);
  const report = await checkHouseRules(root);
  const out = formatReport(report);
  if (report.violations.length) {
    process.stderr.write(root === REPO ? out : `${relative(process.cwd(), root) || '.'}:\n${out}`);
    process.exitCode = 1;
  } else {
    process.stdout.write(out);
  }
}

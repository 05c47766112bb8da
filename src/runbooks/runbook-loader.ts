import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { AppError, errorMessage } from '../kernel/errors.js';
import { ExpressionError, metricsOf, parseExpression } from './expression.js';
import { type Runbook, RunbookSchema } from './runbook-schema.js';

/** One lint problem: which file, where in it, and why. */
export interface LintError {
  file: string;
  path: string;
  reason: string;
}

/** What lint checks a runbook against: the names in the probe and action catalogs. */
export interface Catalogs {
  probes: ReadonlySet<string>;
  actions: ReadonlySet<string>;
  /** Action name → schema of the options a proposal rule's `params` pass to the action's planner. */
  actionParams?: ReadonlyMap<string, z.ZodType>;
  /** Probe name → params schema, to check step params. */
  probeParams?: ReadonlyMap<string, z.ZodType>;
}

export interface LoadResult {
  runbooks: Runbook[];
  errors: LintError[];
}

function checkExpression(src: string, probes: Set<string>, file: string, path: string, errors: LintError[]): void {
  try {
    const expr = parseExpression(src);
    for (const metric of metricsOf(expr)) {
      const probe = metric.slice(0, metric.lastIndexOf('.')).replace(/_/g, '-');
      if (!probes.has(probe)) {
        errors.push({ file, path, reason: `metric ${metric} comes from no step of this runbook (probe ${probe})` });
      }
    }
  } catch (err) {
    if (!(err instanceof ExpressionError)) throw err;
    errors.push({ file, path, reason: `bad threshold expression: ${err.message}` });
  }
}

/** Validates one runbook's YAML text against the schema and the catalogs. */
export function lintRunbook(
  text: string,
  file: string,
  catalogs: Catalogs,
): { runbook?: Runbook; errors: LintError[] } {
  const errors: LintError[] = [];
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    return { errors: [{ file, path: '(file)', reason: `not valid YAML: ${errorMessage(err)}` }] };
  }
  const parsed = RunbookSchema.safeParse(raw);
  if (!parsed.success) {
    for (const i of parsed.error.issues)
      errors.push({ file, path: i.path.map(String).join('.') || '(root)', reason: i.message });
    return { errors };
  }
  const rb = parsed.data;
  const stepProbes = new Set<string>();
  rb.steps.forEach((s, i) => {
    if (!catalogs.probes.has(s.probe)) {
      errors.push({
        file,
        path: `steps.${i}.probe`,
        reason: `unknown probe "${s.probe}" (known: ${[...catalogs.probes].join(', ')})`,
      });
      return;
    }
    stepProbes.add(s.probe);
    const schema = catalogs.probeParams?.get(s.probe);
    const check = schema?.safeParse(s.params);
    if (check && !check.success) {
      for (const issue of check.error.issues) {
        errors.push({ file, path: `steps.${i}.params.${issue.path.map(String).join('.')}`, reason: issue.message });
      }
    }
  });
  rb.findings.forEach((f, i) => {
    checkExpression(f.when, stepProbes, file, `findings.${i}.when`, errors);
  });
  rb.proposals.forEach((p, i) => {
    if (!catalogs.actions.has(p.action)) {
      errors.push({
        file,
        path: `proposals.${i}.action`,
        reason: `unknown action "${p.action}" (known: ${[...catalogs.actions].join(', ')})`,
      });
    }
    const check = catalogs.actionParams?.get(p.action)?.safeParse(p.params);
    if (check && !check.success) {
      for (const issue of check.error.issues) {
        const sub = issue.path.length ? `.${issue.path.map(String).join('.')}` : '';
        errors.push({ file, path: `proposals.${i}.params${sub}`, reason: issue.message });
      }
    }
    checkExpression(p.when, stepProbes, file, `proposals.${i}.when`, errors);
  });
  return errors.length ? { errors } : { runbook: rb, errors };
}

/** Loads every `*.yaml`/`*.yml` in `dir`; also reports runbooks that match the same alert with the same labels. */
export function loadRunbooks(dir: string, catalogs: Catalogs): LoadResult {
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort();
  } catch (err) {
    return { runbooks: [], errors: [{ file: dir, path: '(dir)', reason: `cannot read: ${errorMessage(err)}` }] };
  }
  const runbooks: Runbook[] = [];
  const errors: LintError[] = [];
  const names = new Map<string, string>();
  const matches = new Map<string, string>();
  for (const f of files) {
    const file = join(dir, f);
    const result = lintRunbook(readFileSync(file, 'utf8'), file, catalogs);
    errors.push(...result.errors);
    const rb = result.runbook;
    if (!rb) continue;
    const other = names.get(rb.name);
    if (other) {
      errors.push({ file, path: 'name', reason: `duplicate runbook name "${rb.name}" (also in ${other})` });
      continue;
    }
    names.set(rb.name, file);
    const labels = JSON.stringify(Object.entries(rb.match.labels).sort());
    rb.match.alertnames.forEach((alertname, i) => {
      const sig = `${alertname} ${labels}`;
      const prev = matches.get(sig);
      if (prev)
        errors.push({
          file,
          path: `match.alertnames.${i}`,
          reason: `duplicate match: ${alertname} is already matched by ${prev}`,
        });
      else matches.set(sig, file);
    });
    runbooks.push(rb);
  }
  return { runbooks, errors };
}

export function formatLintErrors(errors: LintError[]): string {
  return errors.map((e) => `${e.file}: ${e.path}: ${e.reason}`).join('\n');
}

/** Loads runbooks for the bot; an invalid one stops start-up with the same message lint prints. */
export function loadRunbooksOrThrow(dir: string, catalogs: Catalogs): Runbook[] {
  const { runbooks, errors } = loadRunbooks(dir, catalogs);
  if (errors.length) throw new AppError('RUNBOOK_INVALID', `invalid runbooks:\n${formatLintErrors(errors)}`);
  return runbooks;
}

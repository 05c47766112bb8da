import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { builtInCatalogs } from '../../src/catalogs.js';
import { type Target, TargetSchema } from '../../src/config/config-file.js';
import type { DiagnosisReport, Finding } from '../../src/diagnostics/diagnosis.js';
import type { Probe } from '../../src/diagnostics/probe.js';
import { PROBES } from '../../src/diagnostics/probe-catalog.js';
import { runRunbook } from '../../src/diagnostics/run-runbook.js';
import { createLogger } from '../../src/kernel/logger.js';
import { ACTIONS } from '../../src/remediation/action-catalog.js';
import { evaluate, parseExpression, renderTemplate } from '../../src/runbooks/expression.js';
import { formatLintErrors, lintRunbook } from '../../src/runbooks/runbook-loader.js';
import type { Runbook } from '../../src/runbooks/runbook-schema.js';
import { Topology } from '../../src/targets/topology.js';

/** The repository's runbooks, the ones the bot ships. */
export const RUNBOOKS_DIR = join(import.meta.dirname, '../../runbooks');

/** Loads and lints `runbooks/<name>.yaml` against the built-in catalogs; throws with the lint errors. */
export function loadRunbook(name: string): Runbook {
  const file = join(RUNBOOKS_DIR, `${name}.yaml`);
  const { runbook, errors } = lintRunbook(readFileSync(file, 'utf8'), file, builtInCatalogs());
  if (!runbook) throw new Error(`runbook ${file} does not lint:\n${formatLintErrors(errors)}`);
  return runbook;
}

/** A copy of the runbook with one step's params overridden (e.g. a shorter idle threshold in a test). */
export function withStepParams(runbook: Runbook, probe: string, params: Record<string, unknown>): Runbook {
  return {
    ...runbook,
    steps: runbook.steps.map((s) => (s.probe === probe ? { ...s, params: { ...s.params, ...params } } : s)),
  };
}

/** A standalone target named `probe-test` (workload `cache` unless given). */
export function target(url: string, workload: Target['workload'] = 'cache'): Target {
  return TargetSchema.parse({ name: 'probe-test', url, workload, match: { instance: 'probe-test' } });
}

/** A standalone `session` target. */
export function urlTarget(name: string, url: string): Target {
  return TargetSchema.parse({ name, url, workload: 'session', match: { instance: name } });
}

/** A `session` target behind Sentinel. */
export function sentinelTarget(name: string, master: string, nodes: string[], password?: string): Target {
  return TargetSchema.parse({
    name,
    sentinel: { name: master, nodes },
    ...(password ? { password } : {}),
    workload: 'session',
    match: { instance: name },
  });
}

/** Runs a runbook against real Redis the way the diagnosis worker does, and closes every connection after. */
export async function diagnose(runbook: Runbook, t: Target): Promise<DiagnosisReport> {
  const topology = new Topology(t);
  try {
    return await runRunbook(runbook, t, topology, PROBES, createLogger('silent'));
  } finally {
    topology.close();
  }
}

/** Runs one node probe directly on a client, with a topology for the context. */
export async function runProbe<S extends z.ZodType>(probe: Probe<S>, t: Target, params: unknown = {}) {
  if (probe.scope === 'topology') throw new Error('node probes only');
  const topology = new Topology(t);
  try {
    const client = await topology.primary();
    return await probe.run(
      {
        client,
        node: `${client.options.host}:${client.options.port}`,
        target: t,
        topology,
        logger: createLogger('silent'),
        timeoutMs: 10_000,
      },
      probe.paramsSchema.parse(params),
    );
  } finally {
    topology.close();
  }
}

/**
 * The proposals the diagnosis service would make from a report: rules whose `when` holds, with the rendered reason;
 * `planned` tells whether the action accepts the workload and plans params.
 */
export function proposalsFor(runbook: Runbook, report: DiagnosisReport, t: Target) {
  return runbook.proposals
    .filter((rule) => evaluate(parseExpression(rule.when), report.metrics))
    .map((rule) => {
      const action = ACTIONS.get(rule.action);
      const allowed = action ? action.workloads.includes(t.workload) : undefined;
      const planned = action && allowed ? action.plan(report.metrics, rule.params) !== undefined : undefined;
      return {
        action: rule.action,
        reason: renderTemplate(rule.reason, report.metrics),
        inCatalog: !!action,
        allowed,
        planned,
      };
    });
}

/** A finding of the report by id. */
export function finding(report: DiagnosisReport, id: string): Finding | undefined {
  return report.findings.find((f) => f.id === id);
}

/** Every step ran; a failed step's error in the message otherwise. */
export function stepErrors(report: DiagnosisReport): string[] {
  return report.steps.filter((s) => !s.ok).map((s) => `${s.probe}: ${s.error}`);
}

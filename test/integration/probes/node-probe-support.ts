import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { type Target, TargetSchema } from '../../../src/config/config-file.js';
import { waitUntil } from '../../../src/devtools/wait-until.js';
import type { DiagnosisReport } from '../../../src/diagnostics/diagnosis.js';
import type { Probe } from '../../../src/diagnostics/probe.js';
import { PROBES } from '../../../src/diagnostics/probe-catalog.js';
import { clientListProbe } from '../../../src/diagnostics/probes/client-list.js';
import { configAuditProbe } from '../../../src/diagnostics/probes/config-audit.js';
import { latencyProbe } from '../../../src/diagnostics/probes/latency.js';
import { persistenceProbe } from '../../../src/diagnostics/probes/persistence.js';
import { slowlogProbe } from '../../../src/diagnostics/probes/slowlog.js';
import { statsProbe } from '../../../src/diagnostics/probes/stats.js';
import { runRunbook } from '../../../src/diagnostics/run-runbook.js';
import { createLogger } from '../../../src/kernel/logger.js';
import { ACTIONS } from '../../../src/remediation/action-catalog.js';
import { builtInCatalogs } from '../../../src/runbooks/catalogs.js';
import { evaluate, parseExpression, renderTemplate } from '../../../src/runbooks/expression.js';
import { type Catalogs, lintRunbook } from '../../../src/runbooks/runbook-loader.js';
import type { Runbook } from '../../../src/runbooks/runbook-schema.js';
import { Topology } from '../../../src/targets/topology.js';

/** A probe of any params, as the catalog holds them. */
type AnyProbe = typeof PROBES extends ReadonlyMap<string, infer P> ? P : never;

/** The six node probes of issue #3 part 1, added to whatever the catalog already holds. */
export const NODE_PROBES: AnyProbe[] = [
  statsProbe,
  clientListProbe,
  slowlogProbe,
  latencyProbe,
  persistenceProbe,
  configAuditProbe,
];
export const PROBE_MAP: ReadonlyMap<string, AnyProbe> = new Map([
  ...PROBES,
  ...NODE_PROBES.map((p) => [p.name, p] as const),
]);

/**
 * Plan options of the actions these runbooks propose, as their briefs fix them. Used only while the real actions
 * are not in the catalog yet; once they are, their own schemas are checked instead.
 */
const STUB_ACTION_OPTIONS: Record<string, z.ZodType> = {
  'config-set-maxclients': z.object({ raisePercent: z.number().min(1).max(100).optional() }).strict(),
  'kill-idle-clients': z.object({ minIdleSeconds: z.number().int().min(0).optional() }).strict(),
  bgsave: z.object({}).strict(),
};

/** The built-in catalogs plus these probes and the (possibly stubbed) actions. */
export function extendedCatalogs(): Catalogs {
  const base = builtInCatalogs();
  const actionParams = new Map(base.actionParams ?? []);
  for (const [name, schema] of Object.entries(STUB_ACTION_OPTIONS)) {
    if (!actionParams.has(name)) actionParams.set(name, schema);
  }
  return {
    probes: new Set([...base.probes, ...NODE_PROBES.map((p) => p.name)]),
    actions: new Set([...base.actions, ...Object.keys(STUB_ACTION_OPTIONS)]),
    probeParams: new Map([...PROBE_MAP].map(([n, p]) => [n, p.paramsSchema])),
    actionParams,
  };
}

export const RUNBOOKS_DIR = join(import.meta.dirname, '../../../runbooks');

/** Loads and lints one of the repository's runbooks; throws with the lint errors when it is invalid. */
export function loadRunbook(name: string): Runbook {
  const file = join(RUNBOOKS_DIR, `${name}.yaml`);
  const { runbook, errors } = lintRunbook(readFileSync(file, 'utf8'), file, extendedCatalogs());
  if (!runbook) throw new Error(`${file}: ${errors.map((e) => `${e.path}: ${e.reason}`).join('; ')}`);
  return runbook;
}

/** A copy of the runbook with one step's params overridden (e.g. a shorter idle threshold in a test). */
export function withStepParams(runbook: Runbook, probe: string, params: Record<string, unknown>): Runbook {
  return {
    ...runbook,
    steps: runbook.steps.map((s) => (s.probe === probe ? { ...s, params: { ...s.params, ...params } } : s)),
  };
}

export function target(url: string, workload: Target['workload'] = 'cache'): Target {
  return TargetSchema.parse({ name: 'probe-test', url, workload, match: { instance: 'probe-test' } });
}

/** Runs a runbook against a real Redis the way the diagnosis worker does, and closes every connection after. */
export async function diagnose(runbook: Runbook, t: Target): Promise<DiagnosisReport> {
  const topology = new Topology(t);
  try {
    return await runRunbook(runbook, t, topology, PROBE_MAP, createLogger('silent'));
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
 * `planned` tells whether the real action (when it is in the catalog) accepts the workload and plans params.
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

/** Polls `check` every 100 ms until it returns true, or fails after `timeoutMs` with `what`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  await waitUntil(check, { what, timeoutMs });
}

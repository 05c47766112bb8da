import { readFileSync } from 'node:fs';
import { type Target, TargetSchema } from '../../../src/config/config-file.js';
import type { DiagnosisReport, Finding } from '../../../src/diagnostics/diagnosis.js';
import type { Probe } from '../../../src/diagnostics/probe.js';
import { PROBES } from '../../../src/diagnostics/probe-catalog.js';
import { reachabilityProbe } from '../../../src/diagnostics/probes/reachability.js';
import { replicationProbe } from '../../../src/diagnostics/probes/replication.js';
import { sentinelProbe } from '../../../src/diagnostics/probes/sentinel.js';
import { runRunbook } from '../../../src/diagnostics/run-runbook.js';
import { createLogger } from '../../../src/kernel/logger.js';
import { builtInCatalogs } from '../../../src/runbooks/catalogs.js';
import { formatLintErrors, lintRunbook } from '../../../src/runbooks/runbook-loader.js';
import type { Runbook } from '../../../src/runbooks/runbook-schema.js';
import { Topology } from '../../../src/targets/topology.js';

/** The topology probes of issue #3 part 2, added to whatever the catalog already holds. */
export const TOPOLOGY_PROBES: Probe[] = [replicationProbe, sentinelProbe, reachabilityProbe];
export const PROBE_MAP: ReadonlyMap<string, Probe> = new Map([
  ...PROBES,
  ...TOPOLOGY_PROBES.map((p) => [p.name, p] as const),
]);

/** Lints `runbooks/<name>.yaml` against the built-in catalogs plus these probes; throws with the lint errors. */
export function loadRunbook(name: string): Runbook {
  const base = builtInCatalogs();
  const file = `runbooks/${name}.yaml`;
  const { runbook, errors } = lintRunbook(readFileSync(file, 'utf8'), file, {
    ...base,
    probes: new Set(PROBE_MAP.keys()),
    probeParams: new Map([...PROBE_MAP].map(([n, p]) => [n, p.paramsSchema])),
  });
  if (!runbook) throw new Error(`runbook ${file} does not lint:\n${formatLintErrors(errors)}`);
  return runbook;
}

export function urlTarget(name: string, url: string): Target {
  return TargetSchema.parse({ name, url, workload: 'session', match: { instance: name } });
}

export function sentinelTarget(name: string, master: string, nodes: string[], password?: string): Target {
  return TargetSchema.parse({
    name,
    sentinel: { name: master, nodes },
    ...(password ? { password } : {}),
    workload: 'session',
    match: { instance: name },
  });
}

/** Runs a runbook with the extended probe map and closes every connection it opened. */
export async function diagnose(runbook: Runbook, target: Target): Promise<DiagnosisReport> {
  const topology = new Topology(target);
  try {
    return await runRunbook(runbook, target, topology, PROBE_MAP, createLogger('silent'));
  } finally {
    topology.close();
  }
}

export function finding(report: DiagnosisReport, id: string): Finding | undefined {
  return report.findings.find((f) => f.id === id);
}

/** Every step ran; a failed step's error in the message otherwise. */
export function stepErrors(report: DiagnosisReport): string[] {
  return report.steps.filter((s) => !s.ok).map((s) => `${s.probe}: ${s.error}`);
}

import type { Redis } from 'ioredis';
import type { Target } from '../config/config-file.js';
import type { Logger } from '../kernel/logger.js';
import { redactText } from '../kernel/redact.js';
import { withTimeout } from '../kernel/timeout.js';
import { evaluate, parseExpression, renderTemplate } from '../runbooks/expression.js';
import type { Runbook, RunbookStep } from '../runbooks/runbook-schema.js';
import type { Topology } from '../targets/topology.js';
import type { DiagnosisReport, Finding, StepOutcome } from './diagnosis.js';
import type { NodeProbe, Probe, ProbeResult } from './probe.js';

/** More primaries than this in one cluster are not all scanned by one step; the report says so. */
const MAX_NODES_PER_STEP = 16;

/** Combines one node probe's results from several cluster primaries: numbers by their maximum, lists per node. */
export function mergeNodeResults(results: Array<{ node: string; result: ProbeResult }>): ProbeResult {
  const only = results[0];
  if (results.length === 1 && only) return only.result;
  const metrics: ProbeResult['metrics'] = {};
  for (const { result } of results) {
    for (const [k, v] of Object.entries(result.metrics)) {
      const prev = metrics[k];
      if (prev === undefined || (typeof v === 'number' && typeof prev === 'number' && v > prev)) metrics[k] = v;
    }
  }
  return {
    metrics,
    figures: results.flatMap(({ node, result }) =>
      result.figures.map((f) => ({ label: `${node} ${f.label}`, value: f.value })),
    ),
    tables: results.flatMap(({ node, result }) => result.tables.map((t) => ({ ...t, title: `${t.title} — ${node}` }))),
    notes: results.flatMap(({ node, result }) => result.notes.map((n) => `${node}: ${n}`)),
  };
}

interface Nodes {
  primaries: string[];
  error?: string;
}

/**
 * Runs a runbook's steps in order against a target's topology and turns the figures into findings. Node probes run
 * on the primary (every serving primary of a cluster; heavy scans on an online replica when there is one); topology
 * probes pick their own nodes and still run when the primary is unreachable. A failing step is reported and the
 * rest still run: a partial diagnosis during an incident beats none.
 */
export async function runRunbook(
  runbook: Runbook,
  target: Target,
  topology: Topology,
  probes: ReadonlyMap<string, Probe>,
  logger: Logger,
  onStep?: (step: StepOutcome) => Promise<void>,
): Promise<DiagnosisReport> {
  const steps: StepOutcome[] = [];
  const metrics: Record<string, number | string> = {};
  let nodes: Promise<Nodes> | undefined;
  const primaries = () =>
    (nodes ??= topology.primaries().then(
      (p) => ({ primaries: p }),
      (err: unknown) => ({ primaries: [], error: redactText((err as Error).message) }),
    ));
  let replica: Promise<{ client: Redis; node: string } | undefined> | undefined;
  const onlineReplica = () =>
    (replica ??= topology.replica().then(
      async (client) => (client ? { client, node: `${client.options.host}:${client.options.port}` } : undefined),
      () => undefined,
    ));

  for (const step of runbook.steps) {
    const probe = probes.get(step.probe);
    const started = Date.now();
    let outcome: StepOutcome;
    if (!probe) {
      outcome = { probe: step.probe, title: step.probe, ok: false, error: 'unknown probe', durationMs: 0 };
    } else {
      const controller = new AbortController();
      try {
        const result = await runStep(probe, step, {
          target,
          topology,
          logger,
          signal: controller.signal,
          primaries,
          onlineReplica,
        });
        Object.assign(metrics, result.metrics);
        outcome = { probe: probe.name, title: probe.title, ok: true, result, durationMs: Date.now() - started };
      } catch (err) {
        controller.abort();
        outcome = {
          probe: probe.name,
          title: probe.title,
          ok: false,
          error: redactText((err as Error).message),
          durationMs: Date.now() - started,
        };
        logger.warn({ probe: probe.name, err: redactText((err as Error).message) }, 'probe failed');
      }
    }
    steps.push(outcome);
    if (onStep) await onStep(outcome);
  }
  const findings: Finding[] = runbook.findings
    .filter((rule) => evaluate(parseExpression(rule.when), metrics))
    .map((rule) => ({
      id: rule.id,
      severity: rule.severity,
      title: renderTemplate(rule.title, metrics),
      ...(rule.detail ? { detail: renderTemplate(rule.detail, metrics) } : {}),
    }));
  return {
    runbook: runbook.name,
    runbookTitle: runbook.title,
    target: target.name,
    steps,
    findings,
    advice: runbook.advice,
    metrics,
  };
}

async function runStep(
  probe: Probe,
  step: RunbookStep,
  s: {
    target: Target;
    topology: Topology;
    logger: Logger;
    signal: AbortSignal;
    primaries: () => Promise<Nodes>;
    onlineReplica: () => Promise<{ client: Redis; node: string } | undefined>;
  },
): Promise<ProbeResult> {
  const timeoutMs = step.timeoutSeconds * 1000;
  const params = probe.paramsSchema.parse(step.params);
  const base = {
    target: s.target,
    topology: s.topology,
    logger: s.logger.child({ probe: probe.name }),
    timeoutMs,
    signal: s.signal,
  };
  if (probe.scope === 'topology') return withTimeout(probe.run(base, params), timeoutMs, `probe ${probe.name}`);
  const nodeProbe: NodeProbe = probe;
  const { primaries, error } = await s.primaries();
  if (error) throw new Error(`target unreachable: ${error}`);
  // A heavy scan of a standalone or Sentinel primary goes to an online replica when there is one.
  if (nodeProbe.heavy && s.topology.kind !== 'cluster') {
    const replica = await s.onlineReplica();
    if (replica) {
      const result = await withTimeout(
        nodeProbe.run({ ...base, client: replica.client, node: replica.node }, params),
        timeoutMs,
        `probe ${probe.name}`,
      );
      return { ...result, notes: [`ran on replica ${replica.node} to keep load off the primary`, ...result.notes] };
    }
  }
  const chosen = primaries.slice(0, MAX_NODES_PER_STEP);
  const results: Array<{ node: string; result: ProbeResult }> = [];
  for (const node of chosen) {
    const client = s.topology.kind === 'cluster' ? await s.topology.node(node) : await s.topology.primary();
    results.push({
      node,
      result: await withTimeout(
        nodeProbe.run({ ...base, client, node }, params),
        timeoutMs,
        `probe ${probe.name} on ${node}`,
      ),
    });
  }
  const merged = mergeNodeResults(results);
  if (primaries.length > chosen.length)
    merged.notes.push(`only ${chosen.length} of ${primaries.length} primaries examined`);
  return merged;
}

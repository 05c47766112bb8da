import type { Redis } from 'ioredis';
import type { Target } from '../config/config-file.js';
import { AppError, errorMessage, isAppError } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import { redactText } from '../kernel/redact.js';
import { withTimeout } from '../kernel/timeout.js';
import { evaluate, parseExpression, renderTemplate } from '../runbooks/expression.js';
import type { Runbook, RunbookStep } from '../runbooks/runbook-schema.js';
import { TARGET_CONNECTION_OPTIONS, type Topology } from '../targets/topology.js';
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

/**
 * The read timeout for a runbook's target connections: half its shortest step's budget, so that connecting plus one
 * unanswered command still ends inside the step and the step can say which node timed out; never more than the
 * default bound, never under a quarter second (a healthy Redis answers in well under a millisecond).
 */
export function readTimeoutFor(runbook: Pick<Runbook, 'steps'>): number {
  const shortest = Math.min(...runbook.steps.map((s) => s.timeoutSeconds * 1000));
  return Math.max(250, Math.min(TARGET_CONNECTION_OPTIONS.commandTimeout, Math.floor(shortest / 2)));
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
      (err: unknown) => ({ primaries: [], error: redactText(errorMessage(err)) }),
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
          error: redactText(errorMessage(err)),
          durationMs: Date.now() - started,
        };
        logger.warn({ probe: probe.name, err: redactText(errorMessage(err)) }, 'probe failed');
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

/** What one step needs besides its probe and parameters. */
interface StepScope {
  target: Target;
  topology: Topology;
  logger: Logger;
  signal: AbortSignal;
  primaries: () => Promise<Nodes>;
  onlineReplica: () => Promise<{ client: Redis; node: string } | undefined>;
}

/**
 * Runs one step within its budget. Finding the node and connecting to it count against the budget too: a target
 * that accepts TCP but never answers must fail the step in time, not before the probe even starts. A cluster's
 * primaries are examined one after the other, each with the step's budget.
 */
async function runStep(probe: Probe, step: RunbookStep, s: StepScope): Promise<ProbeResult> {
  const timeoutMs = step.timeoutSeconds * 1000;
  const params = probe.paramsSchema.parse(step.params);
  const base = {
    target: s.target,
    topology: s.topology,
    logger: s.logger.child({ probe: probe.name }),
    timeoutMs,
    signal: s.signal,
  };
  // `node` is read when the step fails: the node it was examining by then, for the error's wording.
  const bounded = <T>(work: () => Promise<T>, node: () => string | undefined = () => undefined): Promise<T> =>
    withTimeout(work(), timeoutMs, `probe ${probe.name}`, 'PROBE_TIMEOUT').catch((err: unknown) => {
      throw stepError(err, s.topology, probe.name, timeoutMs, node());
    });
  if (probe.scope === 'topology') return bounded(() => probe.run(base, params));
  const nodeProbe: NodeProbe = probe;
  if (s.topology.kind !== 'cluster') {
    let node: string | undefined;
    const run = async () => {
      const { primaries, error } = await s.primaries();
      if (error) throw new Error(`target unreachable: ${error}`);
      node = primaries[0];
      // A heavy scan of a standalone or Sentinel primary goes to an online replica when there is one.
      const replica = nodeProbe.heavy ? await s.onlineReplica() : undefined;
      if (replica) {
        node = replica.node;
        const result = await nodeProbe.run({ ...base, client: replica.client, node }, params);
        return { ...result, notes: [`ran on replica ${replica.node} to keep load off the primary`, ...result.notes] };
      }
      const client = await s.topology.primary();
      return nodeProbe.run({ ...base, client, node: node ?? '' }, params);
    };
    return bounded(run, () => node);
  }
  const { primaries, error } = await bounded(() => s.primaries());
  if (error) throw new Error(`target unreachable: ${error}`);
  const chosen = primaries.slice(0, MAX_NODES_PER_STEP);
  const results: Array<{ node: string; result: ProbeResult }> = [];
  for (const node of chosen) {
    const result = await bounded(
      async () => nodeProbe.run({ ...base, client: await s.topology.node(node), node }, params),
      () => node,
    );
    results.push({ node, result });
  }
  const merged = mergeNodeResults(results);
  if (primaries.length > chosen.length)
    merged.notes.push(`only ${chosen.length} of ${primaries.length} primaries examined`);
  return merged;
}

/**
 * The error a failed step reports, naming the target: a read timeout as the topology words it, the step's own
 * deadline as "timed out" with its budget, anything else as it came.
 */
function stepError(err: unknown, topology: Topology, probe: string, budgetMs: number, node?: string): Error {
  if (isAppError(err, 'PROBE_TIMEOUT')) {
    return new AppError(
      'PROBE_TIMEOUT',
      `${topology.target.name}: ${probe}${node ? ` on ${node}` : ''} timed out, unfinished after its ${budgetMs} ms budget`,
    );
  }
  return topology.explain(err, node);
}

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInCatalogs } from '../../../src/catalogs.js';
import { type Target, TargetSchema } from '../../../src/config/config-file.js';
import { applyMemoryPressure } from '../../../src/devtools/memory-pressure.js';
import { type RedisProcess, startRedis } from '../../../src/devtools/redis-process.js';
import type { DiagnosisReport } from '../../../src/diagnostics/diagnosis.js';
import { PROBES } from '../../../src/diagnostics/probe-catalog.js';
import { runRunbook } from '../../../src/diagnostics/run-runbook.js';
import { createLogger } from '../../../src/kernel/logger.js';
import { ACTIONS } from '../../../src/remediation/action-catalog.js';
import { evictionPolicyAction as action } from '../../../src/remediation/actions/eviction-policy.js';
import { evaluate, parseExpression } from '../../../src/runbooks/expression.js';
import { lintRunbook } from '../../../src/runbooks/runbook-loader.js';
import type { Runbook } from '../../../src/runbooks/runbook-schema.js';
import { Topology } from '../../../src/targets/topology.js';

const logger = createLogger('silent');
const actions = new Map(ACTIONS);
actions.set(action.name, action);

function target(url: string, workload: Target['workload']): Target {
  return TargetSchema.parse({ name: `mem-${workload}`, url, workload, match: { instance: workload } });
}

function highMemory(): Runbook {
  const base = builtInCatalogs();
  const { runbook, errors } = lintRunbook(readFileSync('runbooks/high-memory.yaml', 'utf8'), 'high-memory.yaml', {
    ...base,
    actions: new Set(actions.keys()),
    actionParams: new Map([...actions].map(([n, a]) => [n, a.planOptionsSchema])),
  });
  expect(errors).toEqual([]);
  return runbook!;
}

/** What diagnosis + ProposalService propose for a report: rule holds, action allowed for the workload, planner agrees. */
function proposals(rb: Runbook, report: DiagnosisReport, workload: Target['workload']) {
  return rb.proposals
    .filter((rule) => evaluate(parseExpression(rule.when), report.metrics))
    .flatMap((rule) => {
      const a = actions.get(rule.action);
      if (!a?.workloads.includes(workload)) return [];
      const params = a.plan(report.metrics, rule.params);
      return params === undefined ? [] : [{ action: a.name, params, command: a.command(params) }];
    });
}

let redis: RedisProcess;
let report: DiagnosisReport;
const rb = highMemory();

beforeAll(async () => {
  redis = await startRedis();
  await applyMemoryPressure(redis.client(), { usedPct: 92, bigKeyBytes: 512 * 1024 });
  const t = target(redis.url, 'cache');
  const topology = new Topology(t);
  try {
    report = await runRunbook(rb, t, topology, PROBES, logger);
  } finally {
    topology.close();
  }
});

afterAll(async () => {
  await redis?.stop();
});

describe('eviction-policy in the high-memory runbook', () => {
  it('is proposed for a cache at its limit under noeviction', () => {
    expect(report.metrics['memory.policy']).toBe('noeviction');
    expect(Number(report.metrics['memory.used_pct'])).toBeGreaterThan(85);
    const p = proposals(rb, report, 'cache').find((x) => x.action === 'eviction-policy');
    expect(p?.params).toEqual({ from: 'noeviction', to: 'allkeys-lru' });
    expect(p?.command).toBe('CONFIG SET maxmemory-policy allkeys-lru   (noeviction → allkeys-lru)');
  });

  it.each(['session', 'queue'] as const)('is never proposed for a %s workload (the rest still is)', (workload) => {
    const names = proposals(rb, report, workload).map((x) => x.action);
    expect(names).not.toContain('eviction-policy');
    expect(names).toContain('config-set-maxmemory');
  });
});

describe('eviction-policy against a real redis-server', () => {
  it('refuses on a session target even if asked directly', async () => {
    const client = redis.client();
    const pre = await action.precondition(
      { client, target: target(redis.url, 'session'), logger },
      { from: 'noeviction', to: 'allkeys-lru' },
    );
    expect(pre.ok).toBe(false);
    expect(pre.reason).toMatch(/holds session data: an evicting policy would drop it/);
    expect((await client.config('GET', 'maxmemory-policy'))[1]).toBe('noeviction');
  });

  it('switches a cache from noeviction to allkeys-lru: precondition → execute → verify', async () => {
    const ctx = { client: redis.client(), target: target(redis.url, 'cache'), logger };
    const params = action.plan(report.metrics, {})!;
    const pre = await action.precondition(ctx, params);
    expect(pre.ok).toBe(true);
    expect(pre.before.maxmemory_policy).toBe('noeviction');
    expect(await action.execute(ctx, params)).toBe('OK');
    const v = await action.verify(ctx, params, pre.before);
    expect(v.ok).toBe(true);
    expect(v.after.maxmemory_policy).toBe('allkeys-lru');
    expect(v.summary).toMatch(/noeviction → allkeys-lru/);
  });

  it('refuses once the policy is no longer noeviction', async () => {
    const ctx = { client: redis.client(), target: target(redis.url, 'cache'), logger };
    const pre = await action.precondition(ctx, { from: 'noeviction', to: 'allkeys-lfu' });
    expect(pre.ok).toBe(false);
    expect(pre.reason).toMatch(/now allkeys-lru, not noeviction/);
  });
});

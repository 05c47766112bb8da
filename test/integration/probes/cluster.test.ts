import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInCatalogs } from '../../../src/catalogs.js';
import { type Target, TargetSchema } from '../../../src/config/config-file.js';
import { type ClusterNodeProcess, type ClusterProcess, startCluster } from '../../../src/devtools/cluster-process.js';
import { startRedis } from '../../../src/devtools/redis-process.js';
import { waitUntil } from '../../../src/devtools/wait-until.js';
import type { DiagnosisReport } from '../../../src/diagnostics/diagnosis.js';
import { PROBES } from '../../../src/diagnostics/probe-catalog.js';
import { clusterProbe } from '../../../src/diagnostics/probes/cluster.js';
import { runRunbook } from '../../../src/diagnostics/run-runbook.js';
import { createLogger } from '../../../src/kernel/logger.js';
import { lintRunbook } from '../../../src/runbooks/runbook-loader.js';
import { type Runbook, RunbookSchema } from '../../../src/runbooks/runbook-schema.js';
import { parseClusterNodes } from '../../../src/targets/cluster-nodes.js';
import { Topology } from '../../../src/targets/topology.js';

const probes = new Map([...PROBES, [clusterProbe.name, clusterProbe]]);
const logger = createLogger('silent');

function loadClusterRunbook(): Runbook {
  const builtIn = builtInCatalogs();
  const { runbook, errors } = lintRunbook(readFileSync('runbooks/cluster.yaml', 'utf8'), 'runbooks/cluster.yaml', {
    ...builtIn,
    probes: new Set([...builtIn.probes, clusterProbe.name]),
    probeParams: new Map([...(builtIn.probeParams ?? []), [clusterProbe.name, clusterProbe.paramsSchema]]),
  });
  expect(errors).toEqual([]);
  if (!runbook) throw new Error('cluster runbook did not lint');
  return runbook;
}

const memoryRunbook = RunbookSchema.parse({
  name: 'memory-only',
  title: 'Memory only',
  match: { alertnames: [] },
  steps: [{ probe: 'memory', timeoutSeconds: 10 }],
});

function clusterTarget(name: string, seeds: string[]): Target {
  return TargetSchema.parse({ name, workload: 'cache', match: { cluster: 'c1' }, cluster: { nodes: seeds } });
}

async function diagnose(runbook: Runbook, target: Target): Promise<DiagnosisReport> {
  const topology = new Topology(target);
  try {
    return await runRunbook(runbook, target, topology, probes, logger);
  } finally {
    topology.close();
  }
}

/** Waits until every node still running marks `victim` as fail and reports cluster_state `state`. */
async function waitForFail(cluster: ClusterProcess, victim: ClusterNodeProcess, state: 'ok' | 'fail'): Promise<void> {
  const survivors = cluster.nodes.filter((n) => n.running && n !== victim).map((n) => n.client());
  let last = '';
  await waitUntil(
    async () => {
      for (const c of survivors) {
        const view = parseClusterNodes(String(await c.call('CLUSTER', 'NODES')));
        const info = String(await c.call('CLUSTER', 'INFO'));
        last = `${view.find((n) => n.id === victim.id)?.flags.join(',')} / ${info.split('\r\n')[0]}`;
        if (!view.find((n) => n.id === victim.id)?.failing || !info.includes(`cluster_state:${state}`)) return false;
      }
      return true;
    },
    { timeoutMs: 20_000, what: `${victim.address} marked fail and cluster_state:${state}`, last: () => last },
  );
  for (const c of survivors) c.disconnect();
}

describe('cluster probe and runbook on a three-primary cluster without replicas', () => {
  let cluster: ClusterProcess;
  const runbook = loadClusterRunbook();

  beforeAll(async () => {
    cluster = await startCluster({ primaries: 3, replicasPerPrimary: 0, nodeTimeoutMs: 1000 });
  });
  afterAll(async () => {
    await cluster?.stopAll();
  });

  it('finds a healthy cluster healthy', async () => {
    const report = await diagnose(runbook, clusterTarget('cluster-1', cluster.seeds));
    expect(report.steps[0]?.ok).toBe(true);
    expect(report.metrics).toMatchObject({
      'cluster.state': 'ok',
      'cluster.slots_ok': 16384,
      'cluster.slots_unserved': 0,
      'cluster.unserved_ranges': '(none)',
      'cluster.failed_nodes': 0,
      'cluster.failed_node': '(none)',
      'cluster.known_nodes': 3,
      'cluster.size': 3,
      'cluster.reachable_nodes': 3,
      'cluster.nodes_disagree': 0,
    });
    expect(report.findings.filter((f) => f.severity === 'critical')).toEqual([]);
    expect(report.findings.map((f) => f.id)).toContain('cluster-ok');
  });

  it('runs node probes on every primary of the cluster', async () => {
    const report = await diagnose(memoryRunbook, clusterTarget('cluster-1', cluster.seeds));
    const step = report.steps[0];
    expect(step?.ok).toBe(true);
    const labels = step?.result?.figures.map((f) => f.label) ?? [];
    for (const p of cluster.primaries()) expect(labels).toContain(`${p.address} used_memory`);
  });

  it('names the killed primary and its slot range once the cluster marks it fail', async () => {
    const victim = cluster.primaries()[1];
    if (!victim) throw new Error('no second primary');
    process.kill(victim.pid, 'SIGKILL');
    await waitForFail(cluster, victim, 'fail');

    // The dead node comes first among the seeds: the probe must skip it, not give up.
    const seeds = [victim.address, ...cluster.seeds.filter((s) => s !== victim.address)];
    const report = await diagnose(runbook, clusterTarget('cluster-1', seeds));
    expect(report.steps[0]?.ok).toBe(true);
    expect(report.metrics).toMatchObject({
      'cluster.state': 'fail',
      'cluster.failed_nodes': 1,
      'cluster.failed_node': victim.address,
      'cluster.unserved_ranges': '5461-10922',
      'cluster.slots_unserved': 10922 - 5461 + 1,
      'cluster.slots_fail': 10922 - 5461 + 1,
      'cluster.replicas_for_failed': 0,
      'cluster.reachable_nodes': 2,
      'cluster.unreachable_node': victim.address,
    });
    const byId = new Map(report.findings.map((f) => [f.id, f]));
    const stateFail = byId.get('cluster-state-fail');
    expect(stateFail?.severity).toBe('critical');
    expect(stateFail?.title).toContain(victim.address);
    expect(stateFail?.title).toContain('5461-10922');
    expect(byId.get('slots-unserved')?.title).toBe(
      `Node ${victim.address} is marked fail and its slots 5461-10922 have no serving primary`,
    );
    expect(byId.get('no-replica-for-failed')?.title).toContain(victim.address);
    expect(byId.has('cluster-ok')).toBe(false);
    expect(report.steps[0]?.result?.notes.join('\n')).toContain(`seed ${victim.address} did not answer`);

    // Node probes go on with the surviving primaries only.
    const memory = await diagnose(memoryRunbook, clusterTarget('cluster-1', seeds));
    const labels = memory.steps[0]?.result?.figures.map((f) => f.label) ?? [];
    for (const p of cluster.primaries()) {
      if (p === victim) expect(labels.some((l) => l.startsWith(victim.address))).toBe(false);
      else expect(labels).toContain(`${p.address} used_memory`);
    }
  });
});

describe('cluster probe with a replica that may not fail over on its own', () => {
  let cluster: ClusterProcess;

  beforeAll(async () => {
    cluster = await startCluster({
      primaries: 3,
      replicasPerPrimary: 1,
      nodeTimeoutMs: 1000,
      args: ['--cluster-replica-no-failover', 'yes'],
    });
  });
  afterAll(async () => {
    await cluster?.stopAll();
  });

  it('names the replica that could take over the failed primary', async () => {
    const victim = cluster.primaries()[0];
    const replica = cluster.replicas().find((r) => r.primaryId === victim?.id);
    if (!victim || !replica) throw new Error('no primary with a replica');
    process.kill(victim.pid, 'SIGKILL');
    await waitForFail(cluster, victim, 'fail');

    const report = await diagnose(loadClusterRunbook(), clusterTarget('cluster-2', cluster.seeds));
    expect(report.metrics).toMatchObject({
      'cluster.state': 'fail',
      'cluster.failed_node': victim.address,
      'cluster.unserved_ranges': '0-5460',
      'cluster.replicas_for_failed': 1,
      'cluster.replica_for_failed': replica.address,
      'cluster.known_nodes': 6,
      'cluster.replica_links_down': 1,
      'cluster.replica_link_down': replica.address,
    });
    const finding = report.findings.find((f) => f.id === 'replica-can-take-over');
    expect(finding?.title).toContain(replica.address);
    expect(finding?.title).toContain(victim.address);
    expect(report.findings.some((f) => f.id === 'no-replica-for-failed')).toBe(false);
  });
});

describe('cluster probe on a standalone target', () => {
  it('notes that there is no cluster and reports no metrics', async () => {
    const redis = await startRedis();
    try {
      const target = TargetSchema.parse({ name: 'plain', workload: 'cache', match: { instance: 'x' }, url: redis.url });
      const report = await diagnose(loadClusterRunbook(), target);
      expect(report.steps[0]?.ok).toBe(true);
      expect(report.steps[0]?.result?.metrics).toEqual({});
      expect(report.steps[0]?.result?.notes[0]).toContain('not a cluster');
      expect(report.findings).toEqual([]);
    } finally {
      await redis.stop();
    }
  });
});

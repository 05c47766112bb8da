import type { Redis } from 'ioredis';
import { z } from 'zod';
import { formatBytes } from '../../kernel/bytes.js';
import { errorMessage } from '../../kernel/errors.js';
import { withTimeout } from '../../kernel/timeout.js';
import { pingNode } from '../node-reach.js';
import type { ProbeResult, TopologyProbe, TopologyProbeContext } from '../probe.js';
import {
  assessReplicas,
  type PrimaryState,
  type ReplicaAssessment,
  type ReplicaState,
  replicaLagBytes,
} from '../replica-assessment.js';
import { parseReplicationInfo, type ReplicationInfo } from '../replication-info.js';
import { addressOf, knownReplicas, masterAgreement, readSentinels } from '../sentinel-view.js';

const ParamsSchema = z
  .object({
    /** At most this many replicas are examined (each costs one connection and one INFO). */
    maxReplicas: z.number().int().min(1).max(64).default(16),
    /** Bound on each connection and command, in milliseconds. */
    nodeTimeoutMs: z.number().int().min(100).max(10_000).default(3000),
  })
  .strict();

export type ReplicationParams = z.infer<typeof ParamsSchema>;

const MAX_PRIMARIES = 16;

type Topology = TopologyProbeContext['topology'];

/** The node(s) replication is examined from: the configured node(s), or the primary the sentinels agree on. */
interface Roots {
  roots: string[];
  rootError?: string;
  /** Replicas the sentinels know of (Sentinel targets only). */
  sentinelReplicas?: Array<Record<string, string>>;
  notes: string[];
}

/** What the probe found before judging it: every node it looked at. */
interface Survey extends Roots {
  configuredRole: string;
  primaries: Map<string, PrimaryState>;
  /** Every replica found, and the ones examined (at most `maxReplicas`). */
  all: ReplicaState[];
  examined: ReplicaState[];
}

/** PING then `INFO replication` on one node, over one connection; the redacted error when it does not answer. */
async function examine(
  topology: Topology,
  address: string,
  timeoutMs: number,
  open?: () => Promise<Redis>,
): Promise<{ info?: ReplicationInfo; error?: string }> {
  const reach = await pingNode(topology, address, timeoutMs, open);
  if (!reach.client) return { error: reach.error ?? 'no answer' };
  try {
    return {
      info: parseReplicationInfo(
        await withTimeout(reach.client.info('replication'), timeoutMs, 'INFO', 'PROBE_TIMEOUT'),
      ),
    };
  } catch (err) {
    return { error: `INFO replication failed: ${errorMessage(err)}` };
  }
}

/**
 * Replication health of the whole topology: `INFO replication` on the configured node (or the primary Sentinel
 * names, or every serving cluster primary), on the primary a replica follows, and on every replica listed by the
 * primaries or known to Sentinel (bounded by `maxReplicas`). Handles a configured node that is itself a replica.
 * Commands: `INFO replication` per node (O(replicas)); for Sentinel targets `SENTINEL GET-MASTER-ADDR-BY-NAME`,
 * `SENTINEL MASTER`, `SENTINEL REPLICAS` per sentinel (O(instances), from the sentinel's memory). Read-only.
 *
 * Metrics: `role` (of the configured node: master, slave, unreachable), `primary`, `primary_error`,
 * `primary_promoted`, `connected_replicas` (online on the primary), `expected_replicas` (known to Sentinel, else
 * seen), `replicas_down`, `broken_replica` (the configured replica first), `master_link_status` / `broken_reason` /
 * `broken_replica_master` / `broken_replica_lag_bytes` / `broken_replica_last_io_s` of it, `max_lag_bytes`,
 * `max_lag_human`, `lagging_replica`, `max_lag_s`, `max_link_down_s`, `syncing`, `extra_masters`, `extra_master`.
 */
export const replicationProbe: TopologyProbe<typeof ParamsSchema> = {
  name: 'replication',
  title: 'Replication',
  scope: 'topology',
  commands:
    'INFO replication on the primary and each replica (O(replicas)); SENTINEL GET-MASTER-ADDR-BY-NAME / MASTER / REPLICAS on each sentinel (Sentinel targets)',
  paramsSchema: ParamsSchema,
  async run(ctx: TopologyProbeContext, params: ReplicationParams): Promise<ProbeResult> {
    const survey = await surveyReplication(ctx, params);
    const a = assessReplicas(survey.examined, survey.primaries, ctx.topology.kind);
    const metrics = replicationMetrics(survey, a);
    const { notes } = survey;
    if (survey.rootError) notes.push(`primary not found: ${survey.rootError}`);
    if (!survey.examined.length) notes.push('no replicas listed by the primary or known to Sentinel');
    return { metrics, figures: replicationFigures(survey, a, metrics), tables: replicationTables(a), notes };
  },
};

/** Finds the roots, examines them, then every replica they list or Sentinel knows (bounded by `maxReplicas`). */
async function surveyReplication(ctx: TopologyProbeContext, params: ReplicationParams): Promise<Survey> {
  const t = params.nodeTimeoutMs;
  const roots = await findRoots(ctx, t);
  const { primaries, replicas, configuredRole } = await examineRoots(ctx.topology, roots.roots, t);
  addListedReplicas(replicas, primaries, roots);
  const all = [...replicas.values()];
  const examined = all.slice(0, params.maxReplicas);
  const notes = [...roots.notes];
  if (all.length > examined.length) notes.push(`only ${examined.length} of ${all.length} replicas examined`);
  await Promise.all(
    examined
      .filter((r) => !r.info)
      .map(async (r) => {
        const { info, error } = await examine(ctx.topology, r.address, t);
        if (info) r.info = info;
        else r.error = error ?? 'no answer';
      }),
  );
  return { ...roots, notes, configuredRole, primaries, all, examined };
}

/** The primary the sentinels agree on (with the replicas they know), else the target's serving primaries. */
async function findRoots(ctx: TopologyProbeContext, timeoutMs: number): Promise<Roots> {
  const { topology } = ctx;
  if (topology.kind === 'sentinel' && ctx.target.sentinel) {
    const views = await readSentinels(topology, ctx.target.sentinel.name, { timeoutMs });
    const agreement = masterAgreement(views);
    return {
      roots: agreement.agreed ? [agreement.agreed] : [],
      ...(agreement.agreed ? {} : { rootError: 'no sentinel names a primary' }),
      sentinelReplicas: knownReplicas(views, agreement.agreed),
      notes: agreement.distinct > 1 ? [`sentinels disagree on the primary; examined ${agreement.agreed}`] : [],
    };
  }
  try {
    return { roots: (await topology.primaries()).slice(0, MAX_PRIMARIES), notes: [] };
  } catch (err) {
    return { roots: [], rootError: errorMessage(err).replace(/^.*? is unreachable: /, ''), notes: [] };
  }
}

/** The configured node(s): primaries, or a replica named in the config whose primary is then looked up. */
async function examineRoots(topology: Topology, roots: string[], timeoutMs: number) {
  const open = (address: string) => () =>
    topology.kind === 'standalone' && roots[0] === address ? topology.primary() : topology.node(address);
  const primaries = new Map<string, PrimaryState>();
  const replicas = new Map<string, ReplicaState>();
  let configuredRole = 'unknown';
  for (const [i, address] of roots.entries()) {
    const { info, error } = await examine(topology, address, timeoutMs, open(address));
    if (i === 0) configuredRole = info?.role ?? 'unreachable';
    if (info?.role === 'slave') {
      const master = info.masterAddress;
      replicas.set(address, { address, info, configured: true, ...(master ? { primary: master } : {}) });
      if (master && !primaries.has(master)) {
        const m = await examine(topology, master, timeoutMs);
        primaries.set(master, { address: master, ...(m.info ? { info: m.info } : { error: m.error ?? '?' }) });
      }
    } else {
      primaries.set(address, { address, ...(info ? { info } : { error: error ?? '?' }) });
    }
  }
  return { primaries, replicas, configuredRole };
}

/** Adds the replicas the primaries list, then the ones Sentinel knows, to those already found. */
function addListedReplicas(
  replicas: Map<string, ReplicaState>,
  primaries: ReadonlyMap<string, PrimaryState>,
  { roots, sentinelReplicas }: Roots,
): void {
  for (const p of primaries.values()) {
    for (const line of p.info?.replicas ?? []) {
      const r = replicas.get(line.address) ?? { address: line.address, configured: false };
      r.primary ??= p.address;
      r.fromPrimary = { state: line.state, offset: line.offset, lagS: line.lagS };
      replicas.set(line.address, r);
    }
  }
  for (const rec of sentinelReplicas ?? []) {
    const address = addressOf(rec);
    const r = replicas.get(address) ?? { address, configured: false };
    if (roots[0]) r.primary ??= roots[0];
    r.fromSentinel = rec;
    replicas.set(address, r);
  }
}

/** Replicas online on the primaries (or, with no primary up, examined replicas whose link is up). */
function connectedReplicas({ primaries, examined }: Survey): number {
  const primaryUp = [...primaries.values()].filter((p) => p.info);
  return primaryUp.length
    ? primaryUp.reduce((s, p) => s + (p.info?.replicas.filter((l) => l.state === 'online').length ?? 0), 0)
    : examined.filter((r) => r.info?.linkStatus === 'up').length;
}

function replicationMetrics(s: Survey, a: ReplicaAssessment): ProbeResult['metrics'] {
  const firstPrimary = [...s.primaries.values()][0];
  const { broken } = a;
  const metrics: ProbeResult['metrics'] = {
    'replication.role': s.configuredRole,
    'replication.primary': firstPrimary?.address ?? '(unknown)',
    'replication.primary_error': firstPrimary?.error ?? s.rootError ?? '(none)',
    'replication.primary_promoted': firstPrimary?.info?.promoted ? 1 : 0,
    'replication.connected_replicas': connectedReplicas(s),
    'replication.expected_replicas': s.sentinelReplicas ? s.sentinelReplicas.length : s.all.length,
    'replication.replicas_down': a.down,
    'replication.broken_replica': broken?.r.address ?? '(none)',
    'replication.master_link_status': broken ? broken.status : s.examined.length ? 'up' : '(none)',
    'replication.broken_reason': broken?.reason ?? '(none)',
    'replication.broken_replica_master': broken ? (broken.r.info?.masterAddress ?? broken.r.primary ?? '?') : '(none)',
    'replication.max_lag_bytes': a.maxLagBytes,
    'replication.max_lag_human': formatBytes(a.maxLagBytes),
    'replication.lagging_replica': a.lagging,
    'replication.max_lag_s': a.maxLagS,
    'replication.max_link_down_s': a.maxLinkDownS,
    'replication.syncing': a.syncing,
    'replication.extra_masters': a.extraMasters,
    'replication.extra_master': a.extraMaster,
  };
  if (broken) {
    const lag = replicaLagBytes(broken.r, s.primaries);
    if (lag !== undefined) metrics['replication.broken_replica_lag_bytes'] = lag;
    if (broken.r.info?.lastIoS !== undefined) metrics['replication.broken_replica_last_io_s'] = broken.r.info.lastIoS;
  }
  return metrics;
}

function replicationFigures(s: Survey, a: ReplicaAssessment, metrics: ProbeResult['metrics']): ProbeResult['figures'] {
  const firstPrimary = [...s.primaries.values()][0];
  const figures = [
    { label: 'configured node role', value: s.configuredRole },
    {
      label: 'primary',
      value: `${metrics['replication.primary']}${firstPrimary?.error ? ` (unreachable: ${firstPrimary.error})` : ''}`,
    },
    {
      label: 'replicas connected / expected',
      value: `${metrics['replication.connected_replicas']} / ${metrics['replication.expected_replicas']}`,
    },
    { label: 'replicas down', value: String(a.down) },
  ];
  if (a.broken) figures.push({ label: 'broken replica', value: `${a.broken.r.address}: ${a.broken.reason}` });
  if (a.maxLagBytes > 0) figures.push({ label: 'max lag', value: `${formatBytes(a.maxLagBytes)} (${a.lagging})` });
  return figures;
}

function replicationTables({ rows }: ReplicaAssessment): ProbeResult['tables'] {
  if (!rows.length) return [];
  const columns = [
    'replica',
    'found as',
    'role',
    'follows',
    'link',
    'last io s',
    'state',
    'lag',
    'sentinel flags',
    'verdict',
  ];
  return [{ title: 'Replicas', columns, rows }];
}

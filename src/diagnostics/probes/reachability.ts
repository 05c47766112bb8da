import { z } from 'zod';
import { withTimeout } from '../../kernel/timeout.js';
import { type NodeReach, pingNode } from '../node-reach.js';
import type { ProbeResult, TopologyProbe, TopologyProbeContext } from '../probe.js';
import { parseReplicationInfo, type ReplicationInfo } from '../replication-info.js';
import {
  addressOf,
  configEpoch,
  flaggedDown,
  formerPrimary,
  knownReplicas,
  masterAgreement,
  readSentinels,
} from '../sentinel-view.js';

const ParamsSchema = z
  .object({
    /** Bound on each connection + PING, in milliseconds: a down node should not hold the diagnosis up. */
    timeoutMs: z.number().int().min(100).max(10_000).default(2000),
    /** At most this many replicas / cluster seeds are pinged. */
    maxNodes: z.number().int().min(1).max(32).default(8),
  })
  .strict();

export type ReachabilityParams = z.infer<typeof ParamsSchema>;

const NONE = '(none)';

type Topology = TopologyProbeContext['topology'];

/** Where the primary should be, and the other nodes to ping, before any of them is pinged. */
interface Located {
  primaryAddr: string | undefined;
  primaryError: string | undefined;
  /** The primary the sentinels name, '(none)'. */
  viaSentinel: string;
  sentinelsReachable: number;
  seeDown: number;
  otherAddrs: string[];
  /** The primary a Sentinel failover demoted, when the sentinels still know it. */
  former: string | undefined;
  epoch: number;
  notes: string[];
}

interface Pinged {
  reach: NodeReach;
  info: ReplicationInfo | undefined;
}

/** What the probe found: where the primary is, whether it and the other nodes answer, and which node is down. */
interface Reachability extends Located {
  primary: NodeReach | undefined;
  primaryInfo: ReplicationInfo | undefined;
  others: Pinged[];
  othersUp: number;
  lastKnownRole: string;
  downNode: { address: string; error: string; role: string } | undefined;
}

function roleText(info: ReplicationInfo | undefined): string {
  if (!info) return 'unknown';
  return info.role === 'slave' ? `replica of ${info.masterAddress ?? '?'}` : info.role;
}

/** `INFO replication` of a node that answered PING; undefined when it did not, or INFO fails. */
async function replicationInfo(reach: NodeReach, timeoutMs: number): Promise<ReplicationInfo | undefined> {
  if (!reach.client) return undefined;
  try {
    return parseReplicationInfo(
      await withTimeout(reach.client.info('replication'), timeoutMs, 'INFO replication', 'PROBE_TIMEOUT'),
    );
  } catch {
    return undefined;
  }
}

/**
 * "Is it down?": PING the configured node (the URL's node, the primary the sentinels name, or each cluster seed)
 * with a short timeout and report the connection error (redacted); for Sentinel targets also where the sentinels
 * say the primary is, whether they see it down, the replicas they know and what those follow, and the last known
 * role of a node that does not answer.
 * Commands: `PING` and `INFO replication` per reachable node (O(1) / O(replicas)); for Sentinel targets
 * `SENTINEL GET-MASTER-ADDR-BY-NAME`, `SENTINEL MASTER`, `SENTINEL REPLICAS` per sentinel (from memory).
 *
 * Metrics: `primary_up` (1/0), `primary_addr`, `error` (why the primary does not answer, '(none)'),
 * `latency_ms`, `via_sentinel` (the primary the sentinels name, '(none)'), `last_known_role` (of the node that does
 * not answer, else the primary's current role), `replicas_up` / `replicas_known`, `down_node` / `down_node_error` /
 * `down_node_role` (the primary if down, else the first replica or seed that does not answer); Sentinel targets
 * also `sentinels_reachable`, `sentinels_configured`, `sentinels_see_down`, `failover_epoch`.
 */
export const reachabilityProbe: TopologyProbe<typeof ParamsSchema> = {
  name: 'reachability',
  title: 'Reachability',
  scope: 'topology',
  commands:
    'PING and INFO replication per node (O(1)); SENTINEL GET-MASTER-ADDR-BY-NAME / MASTER / REPLICAS per sentinel (Sentinel targets)',
  paramsSchema: ParamsSchema,
  async run(ctx: TopologyProbeContext, params: ReachabilityParams): Promise<ProbeResult> {
    const { topology } = ctx;
    const t = params.timeoutMs;
    const located = await locatePrimary(ctx, t);
    const { primary, primaryInfo } = await pingPrimary(topology, located.primaryAddr, t);
    const primaryError = primary && !primary.up ? (primary.error ?? 'no answer') : located.primaryError;
    // A standalone primary lists its replicas; the other kinds found theirs while locating the primary.
    const otherAddrs =
      topology.kind === 'standalone' && primaryInfo ? primaryInfo.replicas.map((r) => r.address) : located.otherAddrs;
    const checked = otherAddrs.slice(0, params.maxNodes);
    const { notes } = located;
    if (otherAddrs.length > checked.length) notes.push(`only ${checked.length} of ${otherAddrs.length} nodes pinged`);
    const others = await Promise.all(
      checked.map(async (address): Promise<Pinged> => {
        const reach = await pingNode(topology, address, t);
        return { reach, info: await replicationInfo(reach, t) };
      }),
    );
    const found = { ...located, primaryError, otherAddrs, primary, primaryInfo, others };
    const r: Reachability = {
      ...found,
      othersUp: others.filter((o) => o.reach.up).length,
      ...downNodeOf(found, topology.kind),
    };
    return {
      metrics: reachabilityMetrics(r, topology),
      figures: reachabilityFigures(r, topology),
      tables: reachabilityTables(r, topology.kind),
      notes,
    };
  },
};

/** PING (and `INFO replication` of) the primary, over the URL target's own connection when it is standalone. */
async function pingPrimary(
  topology: Topology,
  addr: string | undefined,
  timeoutMs: number,
): Promise<{ primary?: NodeReach; primaryInfo?: ReplicationInfo }> {
  if (!addr) return {};
  const open = topology.kind === 'standalone' ? () => topology.primary() : () => topology.node(addr);
  const primary = await pingNode(topology, addr, timeoutMs, open);
  const primaryInfo = await replicationInfo(primary, timeoutMs);
  return primaryInfo ? { primary, primaryInfo } : { primary };
}

/**
 * Where the primary should be: where the sentinels say (with what they know of it), the first cluster seed (the
 * other seeds are pinged as the other nodes), or the URL's node.
 */
async function locatePrimary(ctx: TopologyProbeContext, timeoutMs: number): Promise<Located> {
  const { topology } = ctx;
  const located: Located = {
    primaryAddr: undefined,
    primaryError: undefined,
    viaSentinel: NONE,
    sentinelsReachable: 0,
    seeDown: 0,
    otherAddrs: [],
    former: undefined,
    epoch: 0,
    notes: [],
  };
  if (topology.kind === 'sentinel' && ctx.target.sentinel) {
    const views = await readSentinels(topology, ctx.target.sentinel.name, { timeoutMs });
    const reachable = views.filter((v) => v.reachable);
    const agreed = masterAgreement(views).agreed;
    if (agreed) {
      located.viaSentinel = agreed;
      located.primaryAddr = agreed;
    } else {
      const why = views.find((v) => v.error)?.error ?? views.flatMap((v) => v.commandErrors)[0];
      located.primaryError = `no sentinel names a primary for ${ctx.target.sentinel.name}${why ? ` (${why})` : ''}`;
    }
    located.sentinelsReachable = reachable.length;
    located.seeDown = reachable.filter((v) => v.masterAddr === agreed && flaggedDown(v.master)).length;
    located.otherAddrs = knownReplicas(reachable, agreed).map(addressOf);
    located.former = formerPrimary(reachable, agreed);
    located.epoch = configEpoch(reachable);
  } else if (topology.kind === 'cluster') {
    // Every seed is a node someone expects to answer; the first that does not is the down node.
    located.primaryAddr = topology.seeds[0];
    located.otherAddrs = topology.seeds.slice(1);
    located.notes.push('cluster target: seeds pinged; slot coverage and failed nodes are in the cluster probe');
  } else {
    located.primaryAddr = await topology.primaryAddress();
  }
  return located;
}

/**
 * The node that does not answer (the primary first, else the first other node) and its last known role: from
 * Sentinel, or from what the replicas follow. Without a down node, the role is the primary's current one.
 */
function downNodeOf(
  r: Omit<Reachability, 'othersUp' | 'lastKnownRole' | 'downNode'>,
  kind: Topology['kind'],
): Pick<Reachability, 'lastKnownRole' | 'downNode'> {
  const { primaryAddr, primary } = r;
  if (primaryAddr && primary && !primary.up) {
    const followers = r.others.filter((o) => o.info?.masterAddress === primaryAddr).length;
    const evidence = [
      ...(kind === 'sentinel' ? [`named by ${r.sentinelsReachable} sentinel(s), ${r.seeDown} see it down`] : []),
      ...(followers ? [`${followers} replica(s) still follow it`] : []),
    ];
    const lastKnownRole =
      kind === 'sentinel' || followers
        ? `master (${evidence.join('; ')})`
        : kind === 'cluster'
          ? 'cluster node'
          : 'unknown (no Sentinel or replica to ask)';
    return {
      lastKnownRole,
      downNode: { address: primaryAddr, error: r.primaryError ?? 'no answer', role: lastKnownRole },
    };
  }
  const down = r.others.find((o) => !o.reach.up);
  if (!down) return { lastKnownRole: primaryAddr ? roleText(r.primaryInfo) : 'unknown', downNode: undefined };
  const a = down.reach.address;
  const role =
    kind === 'cluster'
      ? 'cluster node'
      : a === r.former
        ? `former primary (demoted by the failover of epoch ${r.epoch}; has not rejoined)`
        : 'replica';
  return { lastKnownRole: role, downNode: { address: a, error: down.reach.error ?? 'no answer', role } };
}

function reachabilityMetrics(r: Reachability, topology: Topology): ProbeResult['metrics'] {
  const metrics: ProbeResult['metrics'] = {
    'reachability.primary_up': r.primary?.up ? 1 : 0,
    'reachability.primary_addr': r.primaryAddr ?? NONE,
    'reachability.error': r.primaryError ?? NONE,
    'reachability.via_sentinel': r.viaSentinel,
    'reachability.last_known_role': r.lastKnownRole,
    'reachability.replicas_up': r.othersUp,
    'reachability.replicas_known': r.others.length,
    'reachability.down_node': r.downNode?.address ?? NONE,
    'reachability.down_node_error': r.downNode?.error ?? NONE,
    'reachability.down_node_role': r.downNode?.role ?? NONE,
  };
  if (r.primary?.latencyMs !== undefined) metrics['reachability.latency_ms'] = r.primary.latencyMs;
  if (topology.kind === 'sentinel') {
    metrics['reachability.sentinels_reachable'] = r.sentinelsReachable;
    metrics['reachability.sentinels_configured'] = topology.sentinels.length;
    metrics['reachability.sentinels_see_down'] = r.seeDown;
    metrics['reachability.failover_epoch'] = r.epoch;
  }
  return metrics;
}

function reachabilityFigures(r: Reachability, topology: Topology): ProbeResult['figures'] {
  const { primaryAddr, primary, primaryError, downNode } = r;
  const figures = [
    {
      label: topology.kind === 'sentinel' ? 'primary (per Sentinel)' : 'node',
      value: primaryAddr
        ? `${primaryAddr}: ${primary?.up ? `up, PING ${primary.latencyMs} ms` : `DOWN (${primaryError})`}`
        : `none (${primaryError ?? '?'})`,
    },
    { label: 'role', value: r.lastKnownRole },
    {
      label: topology.kind === 'cluster' ? 'other seeds up' : 'replicas up',
      value: `${r.othersUp} of ${r.others.length}`,
    },
  ];
  if (topology.kind === 'sentinel') {
    figures.push({
      label: 'sentinels',
      value: `${r.sentinelsReachable} of ${topology.sentinels.length} reachable, ${r.seeDown} see the primary down`,
    });
  }
  if (downNode && downNode.address !== primaryAddr) {
    figures.push({ label: 'down node', value: `${downNode.address}: ${downNode.error} (${downNode.role})` });
  }
  return figures;
}

function reachabilityTables(r: Reachability, kind: Topology['kind']): ProbeResult['tables'] {
  const { primaryAddr, primary } = r;
  const rows = [
    ...(primaryAddr && primary
      ? [
          [
            primaryAddr,
            'primary',
            primary.up ? 'up' : 'DOWN',
            primary.up ? `${primary.latencyMs} ms` : (r.primaryError ?? ''),
            roleText(r.primaryInfo),
          ],
        ]
      : []),
    ...r.others.map((o) => [
      o.reach.address,
      kind === 'cluster' ? 'seed' : 'replica',
      o.reach.up ? 'up' : 'DOWN',
      o.reach.up ? `${o.reach.latencyMs} ms` : (o.reach.error ?? ''),
      roleText(o.info),
    ]),
  ];
  return rows.length ? [{ title: 'Nodes', columns: ['node', 'as', 'state', 'PING / error', 'role'], rows }] : [];
}

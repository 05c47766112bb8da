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

function roleText(info: ReplicationInfo | undefined): string {
  if (!info) return 'unknown';
  return info.role === 'slave' ? `replica of ${info.masterAddress ?? '?'}` : info.role;
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
    const notes: string[] = [];
    const info = async (reach: NodeReach): Promise<ReplicationInfo | undefined> => {
      if (!reach.client) return undefined;
      try {
        return parseReplicationInfo(await withTimeout(reach.client.info('replication'), t, 'INFO replication'));
      } catch {
        return undefined;
      }
    };

    let primaryAddr: string | undefined;
    let primary: NodeReach | undefined;
    let primaryInfo: ReplicationInfo | undefined;
    let primaryError: string | undefined;
    let viaSentinel = NONE;
    let sentinelsReachable = 0;
    let seeDown = 0;
    let replicaAddrs: string[] = [];
    let former: string | undefined;
    let epoch = 0;
    let downNode: { address: string; error: string; role: string } | undefined;

    if (topology.kind === 'sentinel' && ctx.target.sentinel) {
      const views = await readSentinels(topology, ctx.target.sentinel.name, { timeoutMs: t });
      const reachable = views.filter((v) => v.reachable);
      sentinelsReachable = reachable.length;
      const agreed = masterAgreement(views).agreed;
      if (agreed) {
        viaSentinel = agreed;
        primaryAddr = agreed;
      } else {
        const why = views.find((v) => v.error)?.error ?? views.flatMap((v) => v.commandErrors)[0];
        primaryError = `no sentinel names a primary for ${ctx.target.sentinel.name}${why ? ` (${why})` : ''}`;
      }
      seeDown = reachable.filter((v) => v.masterAddr === agreed && flaggedDown(v.master)).length;
      replicaAddrs = knownReplicas(reachable, agreed).map(addressOf);
      former = formerPrimary(reachable, agreed);
      epoch = configEpoch(reachable);
    } else if (topology.kind === 'cluster') {
      // Every seed is a node someone expects to answer; the first that does not is the down node.
      primaryAddr = topology.seeds[0];
      replicaAddrs = topology.seeds.slice(1);
      notes.push('cluster target: seeds pinged; slot coverage and failed nodes are in the cluster probe');
    } else {
      primaryAddr = await topology.primaryAddress();
    }

    if (primaryAddr) {
      const addr = primaryAddr;
      primary = await pingNode(
        topology,
        addr,
        t,
        topology.kind === 'standalone' ? () => topology.primary() : () => topology.node(addr),
      );
      primaryInfo = await info(primary);
      if (!primary.up) primaryError = primary.error ?? 'no answer';
    }
    if (topology.kind === 'standalone' && primaryInfo) {
      replicaAddrs = primaryInfo.replicas.map((r) => r.address);
    }

    const checked = replicaAddrs.slice(0, params.maxNodes);
    if (replicaAddrs.length > checked.length)
      notes.push(`only ${checked.length} of ${replicaAddrs.length} nodes pinged`);
    const replicas = await Promise.all(
      checked.map(async (address) => {
        const reach = await pingNode(topology, address, t);
        return { reach, info: await info(reach) };
      }),
    );
    const replicasUp = replicas.filter((r) => r.reach.up).length;

    // The last known role of the node that does not answer: from Sentinel, or from what the replicas follow.
    let lastKnownRole: string;
    if (primaryAddr && primary && !primary.up) {
      const followers = replicas.filter((r) => r.info?.masterAddress === primaryAddr).length;
      const evidence = [
        ...(topology.kind === 'sentinel' ? [`named by ${sentinelsReachable} sentinel(s), ${seeDown} see it down`] : []),
        ...(followers ? [`${followers} replica(s) still follow it`] : []),
      ];
      lastKnownRole =
        topology.kind === 'sentinel' || followers
          ? `master (${evidence.join('; ')})`
          : topology.kind === 'cluster'
            ? 'cluster node'
            : 'unknown (no Sentinel or replica to ask)';
      downNode = { address: primaryAddr, error: primaryError ?? 'no answer', role: lastKnownRole };
    } else {
      lastKnownRole = primaryAddr ? roleText(primaryInfo) : 'unknown';
      const down = replicas.find((r) => !r.reach.up);
      if (down) {
        const a = down.reach.address;
        const role =
          topology.kind === 'cluster'
            ? 'cluster node'
            : a === former
              ? `former primary (demoted by the failover of epoch ${epoch}; has not rejoined)`
              : 'replica';
        downNode = { address: a, error: down.reach.error ?? 'no answer', role };
        lastKnownRole = role;
      }
    }

    const metrics: ProbeResult['metrics'] = {
      'reachability.primary_up': primary?.up ? 1 : 0,
      'reachability.primary_addr': primaryAddr ?? NONE,
      'reachability.error': primaryError ?? NONE,
      'reachability.via_sentinel': viaSentinel,
      'reachability.last_known_role': lastKnownRole,
      'reachability.replicas_up': replicasUp,
      'reachability.replicas_known': checked.length,
      'reachability.down_node': downNode?.address ?? NONE,
      'reachability.down_node_error': downNode?.error ?? NONE,
      'reachability.down_node_role': downNode?.role ?? NONE,
    };
    if (primary?.latencyMs !== undefined) metrics['reachability.latency_ms'] = primary.latencyMs;
    if (topology.kind === 'sentinel') {
      metrics['reachability.sentinels_reachable'] = sentinelsReachable;
      metrics['reachability.sentinels_configured'] = topology.sentinels.length;
      metrics['reachability.sentinels_see_down'] = seeDown;
      metrics['reachability.failover_epoch'] = epoch;
    }

    const figures = [
      {
        label: topology.kind === 'sentinel' ? 'primary (per Sentinel)' : 'node',
        value: primaryAddr
          ? `${primaryAddr}: ${primary?.up ? `up, PING ${primary.latencyMs} ms` : `DOWN (${primaryError})`}`
          : `none (${primaryError ?? '?'})`,
      },
      { label: 'role', value: lastKnownRole },
      {
        label: topology.kind === 'cluster' ? 'other seeds up' : 'replicas up',
        value: `${replicasUp} of ${checked.length}`,
      },
    ];
    if (topology.kind === 'sentinel') {
      figures.push({
        label: 'sentinels',
        value: `${sentinelsReachable} of ${topology.sentinels.length} reachable, ${seeDown} see the primary down`,
      });
    }
    if (downNode && downNode.address !== primaryAddr) {
      figures.push({ label: 'down node', value: `${downNode.address}: ${downNode.error} (${downNode.role})` });
    }
    const rows = [
      ...(primaryAddr && primary
        ? [
            [
              primaryAddr,
              'primary',
              primary.up ? 'up' : 'DOWN',
              primary.up ? `${primary.latencyMs} ms` : (primaryError ?? ''),
              roleText(primaryInfo),
            ],
          ]
        : []),
      ...replicas.map((r) => [
        r.reach.address,
        topology.kind === 'cluster' ? 'seed' : 'replica',
        r.reach.up ? 'up' : 'DOWN',
        r.reach.up ? `${r.reach.latencyMs} ms` : (r.reach.error ?? ''),
        roleText(r.info),
      ]),
    ];
    return {
      metrics,
      figures,
      tables: rows.length ? [{ title: 'Nodes', columns: ['node', 'as', 'state', 'PING / error', 'role'], rows }] : [],
      notes,
    };
  },
};

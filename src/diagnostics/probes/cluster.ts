import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { errorMessage } from '../../kernel/errors.js';
import { num, parseInfo } from '../../kernel/info.js';
import { redactText } from '../../kernel/redact.js';
import { parseClusterNodes } from '../../targets/cluster-nodes.js';
import { splitAddress } from '../../targets/topology.js';
import { analyseCluster, type ClusterSample } from '../cluster-analysis.js';
import type { Probe, ProbeResult, TopologyProbeContext } from '../probe.js';

const ParamsSchema = z
  .object({
    /** Nodes asked for their own view; a cluster bigger than this is judged from the first ones that answer. */
    maxNodes: z.number().int().min(1).max(256).default(32),
    /** Pause before a second CLUSTER INFO on every node, to see epochs or states change (flapping); 0 skips it. */
    resampleMs: z.number().int().min(0).max(10_000).default(1000),
    /** Slot ranges spelled out in `cluster.unserved_ranges`; the rest are counted. */
    maxRanges: z.number().int().min(1).max(100).default(10),
  })
  .strict();

async function sample(ctx: TopologyProbeContext, address: string): Promise<ClusterSample & { client: Redis }> {
  const client = await ctx.topology.node(address);
  const info = parseInfo(String(await client.call('CLUSTER', 'INFO')));
  const view = parseClusterNodes(String(await client.call('CLUSTER', 'NODES')), { host: splitAddress(address).host });
  const myself = view.find((n) => n.myself);
  const replication = parseInfo(await client.info('replication'));
  const stats = myself?.role === 'primary' ? parseInfo(await client.info('stats')) : undefined;
  return { address, info, view, myself, replication, stats, client };
}

function reason(err: unknown): string {
  return redactText(errorMessage(err));
}

/**
 * Health of a Redis Cluster as its nodes see it: state, slot coverage, failed and suspected nodes, replicas that could
 * take over, and signs of flapping. Skips seeds that do not answer, asks every reachable node (up to `maxNodes`) for
 * its own view — nodes can disagree — and does not dial nodes the cluster already marked `fail`.
 * Commands per node: `CLUSTER INFO` (O(1)), `CLUSTER NODES` (O(nodes)), `INFO replication` (O(replicas)),
 * `INFO stats` on primaries (O(1)); after `resampleMs`, `CLUSTER INFO` again on each.
 */
export const clusterProbe: Probe<typeof ParamsSchema> = {
  name: 'cluster',
  scope: 'topology',
  title: 'Cluster state',
  commands:
    'per node: CLUSTER INFO (O(1)), CLUSTER NODES (O(nodes)), INFO replication, INFO stats on primaries (O(1)); ' +
    'CLUSTER INFO again after resampleMs',
  paramsSchema: ParamsSchema,
  async run(ctx, p): Promise<ProbeResult> {
    const notes: string[] = [];
    if (ctx.topology.kind !== 'cluster') {
      return {
        metrics: {},
        figures: [],
        tables: [],
        notes: [`${ctx.target.name} is a ${ctx.topology.kind} target, not a cluster: nothing to check`],
      };
    }
    const deadline = Date.now() + ctx.timeoutMs - 500;
    const unreachable = new Map<string, string>();
    const samples: Array<ClusterSample & { client: Redis }> = [];

    // The first seed that answers gives the member list; dead seeds are skipped, not fatal.
    for (const seed of ctx.topology.seeds) {
      if (ctx.signal?.aborted) break;
      try {
        samples.push(await sample(ctx, seed));
        break;
      } catch (err) {
        unreachable.set(seed, reason(err));
      }
    }
    const first = samples[0];
    if (!first) {
      const [node, why] = [...unreachable][0] ?? ['(no seeds)', ''];
      return {
        metrics: {
          'cluster.reachable_nodes': 0,
          'cluster.unreachable_nodes': unreachable.size,
          'cluster.unreachable_node': node,
        },
        figures: [{ label: 'reachable nodes', value: `none of ${ctx.topology.seeds.length} seeds answered` }],
        tables: [],
        notes: [`no seed answered; first error: ${why}`],
      };
    }
    for (const s of unreachable.keys()) notes.push(`seed ${s} did not answer; skipped`);

    // Ask every other member for its own view, in parallel so dead hosts cost one connect timeout, not one each.
    const knownFailed = first.view
      .filter((n) => n.failing && !n.myself && !unreachable.has(n.address))
      .map((n) => n.address);
    if (knownFailed.length) notes.push(`not contacted, already marked fail: ${knownFailed.join(', ')}`);
    const others = first.view
      .filter((n) => !n.myself && !n.failing && !n.flags.includes('noaddr') && !n.flags.includes('handshake'))
      .map((n) => n.address)
      .filter((a) => a !== first.address && !unreachable.has(a));
    const asked = others.slice(0, p.maxNodes - 1);
    if (others.length > asked.length)
      notes.push(`asked ${asked.length + 1} of ${others.length + 1} nodes for their view`);
    const settled = await Promise.allSettled(asked.map((a) => sample(ctx, a)));
    const seen = new Set([first.myself?.id]);
    settled.forEach((r, i) => {
      const address = asked[i] ?? '?';
      if (r.status === 'rejected') unreachable.set(address, reason(r.reason));
      // The same node under another name (a seed given as a hostname) is asked once.
      else if (!seen.has(r.value.myself?.id)) {
        seen.add(r.value.myself?.id);
        samples.push(r.value);
      }
    });

    // A second CLUSTER INFO a moment later: an epoch or state that moves while we watch is a failover in progress.
    let epochDelta = 0;
    let stateChanges = 0;
    if (p.resampleMs > 0 && Date.now() + p.resampleMs + 1000 < deadline && !ctx.signal?.aborted) {
      await sleep(p.resampleMs, undefined, ctx.signal ? { signal: ctx.signal } : {}).catch(() => undefined);
      const again = await Promise.allSettled(
        samples.map(async (s) => parseInfo(String(await s.client.call('CLUSTER', 'INFO')))),
      );
      again.forEach((r, i) => {
        const before = samples[i];
        if (!before) return;
        if (r.status === 'rejected') {
          notes.push(`${before.address} stopped answering between samples: ${reason(r.reason)}`);
          stateChanges++;
          return;
        }
        const [e1, e2] = [num(before.info, 'cluster_current_epoch') ?? 0, num(r.value, 'cluster_current_epoch') ?? 0];
        epochDelta = Math.max(epochDelta, e2 - e1);
        const [s1, s2] = [before.info.cluster_state, r.value.cluster_state];
        if (s1 !== s2) stateChanges++;
        const moved = [
          ...(s1 !== s2 ? [`cluster_state ${s1} → ${s2}`] : []),
          ...(e1 !== e2 ? [`current epoch ${e1} → ${e2}`] : []),
        ];
        if (moved.length) notes.push(`${before.address} changed while sampled: ${moved.join(', ')}`);
      });
    } else if (p.resampleMs > 0) {
      notes.push('no time left for a second sample; epoch changes not measured');
    }

    return analyseCluster(samples, unreachable, { epochDelta, stateChanges, maxRanges: p.maxRanges, notes });
  },
};

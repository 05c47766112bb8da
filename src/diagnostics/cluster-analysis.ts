import { num } from '../kernel/info.js';
import type { ClusterNode } from '../targets/cluster-nodes.js';
import type { ProbeResult } from './probe.js';

const SLOTS = 16_384;

/** What one reachable node says about the cluster. */
export interface ClusterSample {
  address: string;
  info: Record<string, string>;
  view: ClusterNode[];
  myself: ClusterNode | undefined;
  replication: Record<string, string> | undefined;
  stats: Record<string, string> | undefined;
}

/** `[[0,5460],[10923,16383]]` → `0-5460,10923-16383`; past `max` ranges the rest are counted. */
export function formatRanges(ranges: Array<[number, number]>, max = 10): string {
  if (!ranges.length) return '(none)';
  const text = ranges.slice(0, max).map(([a, b]) => (a === b ? String(a) : `${a}-${b}`));
  if (ranges.length > max) text.push(`… (+${ranges.length - max} more ranges)`);
  return text.join(',');
}

/** Contiguous ranges of the slots for which `pick(slot)` holds. */
export function slotRangesWhere(pick: (slot: number) => boolean): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let start = -1;
  for (let s = 0; s <= SLOTS; s++) {
    const hit = s < SLOTS && pick(s);
    if (hit && start < 0) start = s;
    if (!hit && start >= 0) {
      ranges.push([start, s - 1]);
      start = -1;
    }
  }
  return ranges;
}

function slotCount(ranges: Array<[number, number]>): number {
  return ranges.reduce((sum, [a, b]) => sum + b - a + 1, 0);
}

type MergedNode = ClusterNode & { suspectedBy: string[] };

/** The samples read together: the merged node list, slot service, failures, and the views that set the counts. */
interface Analysis {
  samples: ClusterSample[];
  unreachableList: string[];
  byId: Map<string, MergedNode>;
  /** The view with the highest current epoch: slot owners come from it. */
  newest: ClusterSample;
  /** The view reporting the worst state: slot counts come from it. */
  worst: ClusterSample | undefined;
  states: Set<string>;
  unserved: Array<[number, number]>;
  failed: MergedNode[];
  pfail: MergedNode[];
  /** Healthy replicas of a failed primary, which could take over. */
  standby: MergedNode[];
  disconnected: string[];
  linksDown: ClusterSample[];
  resyncs: number;
  failMessages: number;
}

/**
 * Turns the nodes' views into `cluster.*` metrics, figures and tables. A node counts as failed when any reachable node
 * flags it `fail` (the cluster agreed), as suspected when one flags it `fail?`; slot owners come from the view with the
 * highest current epoch; counts of ok/pfail/fail slots from the worst view, so they agree with `cluster.state`.
 */
export function analyseCluster(
  samples: ClusterSample[],
  unreachable: ReadonlyMap<string, string>,
  o: { epochDelta: number; stateChanges: number; maxRanges: number; notes: string[] },
): ProbeResult {
  if (!samples.length) throw new Error('analyseCluster needs at least one node sample');
  const byId = mergeViews(samples);
  const epochOf = (s: ClusterSample) => num(s.info, 'cluster_current_epoch') ?? 0;
  // Slot owners from the most up-to-date view (highest current epoch): older views may predate a failover.
  const newest = samples.reduce((a, b) => (epochOf(b) > epochOf(a) ? b : a));
  const a: Analysis = {
    samples,
    unreachableList: [...unreachable.keys()],
    byId,
    newest,
    worst: worstView(samples),
    states: new Set(samples.map((s) => s.info.cluster_state ?? 'unknown')),
    unserved: unservedSlots(newest, byId),
    ...nodeTrouble([...byId.values()]),
    disconnected: disconnectedLinks(samples, byId),
    linksDown: samples.filter((s) => s.myself?.role === 'replica' && s.replication?.master_link_status !== 'up'),
    resyncs: replicaResyncs(samples),
    failMessages: Math.max(
      ...samples.map(
        (s) =>
          (num(s.info, 'cluster_stats_messages_fail_sent') ?? 0) +
          (num(s.info, 'cluster_stats_messages_fail_received') ?? 0),
      ),
    ),
  };
  const metrics = clusterMetrics(a, o);
  return { metrics, figures: clusterFigures(a, metrics), tables: clusterTables(a), notes: o.notes };
}

/** Merges the views: `fail` from any node counts (the cluster agreed), `fail?` is one node's suspicion. */
function mergeViews(samples: ClusterSample[]): Map<string, MergedNode> {
  const byId = new Map<string, MergedNode>();
  for (const s of samples) {
    for (const n of s.view) {
      const merged = byId.get(n.id) ?? { ...n, myself: false, suspectedBy: [] };
      merged.failing ||= n.failing;
      if (n.suspected) merged.suspectedBy.push(s.address);
      byId.set(n.id, merged);
    }
  }
  return byId;
}

/** Links to failed or suspected nodes are down by definition; one down to a healthy node hints at a partition. */
function disconnectedLinks(samples: ClusterSample[], byId: ReadonlyMap<string, MergedNode>): string[] {
  return samples.flatMap((s) =>
    s.view
      .filter((n) => !n.myself && n.linkState === 'disconnected')
      .filter((n) => !byId.get(n.id)?.failing && !byId.get(n.id)?.suspectedBy.length)
      .map((n) => `${s.address} -> ${n.address}`),
  );
}

/** Slot ranges whose owner in `newest` is missing or failed. */
function unservedSlots(newest: ClusterSample, byId: ReadonlyMap<string, MergedNode>): Array<[number, number]> {
  const owner = new Array<string | undefined>(SLOTS);
  for (const n of newest.view) {
    if (n.role !== 'primary') continue;
    for (const [a, b] of n.slots) for (let s = a; s <= b && s < SLOTS; s++) owner[s] = n.id;
  }
  const serving = (id: string | undefined) => id !== undefined && byId.get(id)?.failing === false;
  return slotRangesWhere((s) => !serving(owner[s]));
}

function nodeTrouble(nodes: MergedNode[]): Pick<Analysis, 'failed' | 'pfail' | 'standby'> {
  const failed = nodes.filter((n) => n.failing);
  // The failed primary that holds slots matters most: name it first.
  failed.sort((a, b) => slotCount(b.slots) - slotCount(a.slots));
  const failedIds = new Set(failed.filter((n) => n.role === 'primary').map((n) => n.id));
  const standby = nodes.filter(
    (n) => n.role === 'replica' && !n.failing && !n.suspectedBy.length && n.primaryId && failedIds.has(n.primaryId),
  );
  const pfail = nodes.filter((n) => !n.failing && n.suspectedBy.length > 0);
  return { failed, pfail, standby };
}

/** The worst view sets the counts, so state and slot figures agree with each other. */
function worstView(samples: ClusterSample[]): ClusterSample | undefined {
  return [...samples].sort(
    (a, b) =>
      Number(b.info.cluster_state !== 'ok') - Number(a.info.cluster_state !== 'ok') ||
      (num(b.info, 'cluster_slots_fail') ?? 0) - (num(a.info, 'cluster_slots_fail') ?? 0) ||
      (num(b.info, 'cluster_slots_pfail') ?? 0) - (num(a.info, 'cluster_slots_pfail') ?? 0),
  )[0];
}

/** Resyncs beyond one per connected replica mean replicas dropped and reconnected since the primary started. */
function replicaResyncs(samples: ClusterSample[]): number {
  let resyncs = 0;
  for (const s of samples) {
    if (!s.stats || !s.replication) continue;
    const syncs = (num(s.stats, 'sync_full') ?? 0) + (num(s.stats, 'sync_partial_ok') ?? 0);
    resyncs += Math.max(0, syncs - (num(s.replication, 'connected_slaves') ?? 0));
  }
  return resyncs;
}

const first = <T>(list: T[], f: (t: T) => string) => (list[0] ? f(list[0]) : '(none)');

function clusterMetrics(
  a: Analysis,
  o: { epochDelta: number; stateChanges: number; maxRanges: number },
): ProbeResult['metrics'] {
  const { samples, worst, failed, pfail, standby, unreachableList, disconnected, linksDown } = a;
  const maxOf = (field: string) => Math.max(...samples.map((s) => num(s.info, field) ?? 0));
  return {
    'cluster.state': a.states.has('fail') ? 'fail' : (worst?.info.cluster_state ?? 'unknown'),
    'cluster.slots_assigned': Math.min(...samples.map((s) => num(s.info, 'cluster_slots_assigned') ?? 0)),
    'cluster.slots_ok': num(worst?.info ?? {}, 'cluster_slots_ok') ?? 0,
    'cluster.slots_pfail': num(worst?.info ?? {}, 'cluster_slots_pfail') ?? 0,
    'cluster.slots_fail': num(worst?.info ?? {}, 'cluster_slots_fail') ?? 0,
    'cluster.slots_unserved': slotCount(a.unserved),
    'cluster.unserved_ranges': formatRanges(a.unserved, o.maxRanges),
    'cluster.failed_nodes': failed.length,
    'cluster.failed_node': first(failed, (n) => n.address),
    'cluster.failed_node_slots': first(failed, (n) => formatRanges(n.slots, o.maxRanges)),
    'cluster.pfail_nodes': pfail.length,
    'cluster.pfail_node': first(pfail, (n) => n.address),
    'cluster.pfail_suspected_by': first(pfail, (n) => n.suspectedBy.join(', ')),
    'cluster.replicas_for_failed': standby.length,
    'cluster.replica_for_failed': first(standby, (n) => n.address),
    'cluster.known_nodes': maxOf('cluster_known_nodes'),
    'cluster.size': num(a.newest.info, 'cluster_size') ?? 0,
    'cluster.current_epoch': maxOf('cluster_current_epoch'),
    'cluster.epoch_delta': o.epochDelta,
    'cluster.state_changes': o.stateChanges,
    'cluster.fail_messages': a.failMessages,
    'cluster.nodes_disagree': a.states.size > 1 ? 1 : 0,
    'cluster.reachable_nodes': samples.length,
    'cluster.unreachable_nodes': unreachableList.length,
    'cluster.unreachable_node': unreachableList[0] ?? '(none)',
    'cluster.disconnected_links': disconnected.length,
    'cluster.disconnected_link': disconnected[0] ?? '(none)',
    'cluster.replica_links_down': linksDown.length,
    'cluster.replica_link_down': first(linksDown, (s) => s.address),
    'cluster.replica_resyncs': a.resyncs,
  };
}

function clusterFigures(a: Analysis, metrics: ProbeResult['metrics']): ProbeResult['figures'] {
  const m = (k: string) => String(metrics[`cluster.${k}`]);
  const figures = [
    {
      label: 'cluster_state',
      value:
        a.states.size > 1
          ? `nodes disagree: ${a.samples.map((s) => `${s.address} ${s.info.cluster_state}`).join(', ')}`
          : m('state'),
    },
    {
      label: 'slots',
      value: `${m('slots_ok')} ok, ${m('slots_pfail')} pfail, ${m('slots_fail')} fail, ${m('slots_assigned')} assigned`,
    },
    {
      label: 'slots without a serving primary',
      value: a.unserved.length ? `${m('slots_unserved')} (${m('unserved_ranges')})` : 'none',
    },
    { label: 'failed nodes', value: a.failed.map((n) => `${n.address} (${n.role})`).join(', ') || 'none' },
    {
      label: 'suspected (pfail)',
      value: a.pfail.map((n) => `${n.address} by ${n.suspectedBy.join(', ')}`).join('; ') || 'none',
    },
    { label: 'replicas that could take over', value: a.standby.map((n) => n.address).join(', ') || 'none' },
    { label: 'known nodes / size', value: `${m('known_nodes')} / ${m('size')} primaries with slots` },
    { label: 'current epoch', value: `${m('current_epoch')} (moved by ${m('epoch_delta')} while sampling)` },
    { label: 'FAIL messages since start (sent + received, max per node)', value: m('fail_messages') },
  ];
  if (a.unreachableList.length)
    figures.push({ label: 'unreachable from the bot', value: a.unreachableList.join(', ') });
  if (a.disconnected.length) figures.push({ label: 'disconnected links', value: a.disconnected.join(', ') });
  if (a.linksDown.length)
    figures.push({ label: 'replica links down', value: a.linksDown.map((s) => s.address).join(', ') });
  return figures;
}

function clusterTables({ byId, newest, samples }: Analysis): ProbeResult['tables'] {
  const addressOf = (id: string | undefined) => (id ? (byId.get(id)?.address ?? id.slice(0, 8)) : '');
  return [
    {
      title: 'Cluster nodes',
      columns: ['node', 'role', 'flags', 'link', 'slots', 'primary'],
      // Primaries in slot order, then replicas.
      rows: [...newest.view]
        .sort(
          (a, b) =>
            Number(a.role === 'replica') - Number(b.role === 'replica') ||
            (a.slots[0]?.[0] ?? SLOTS) - (b.slots[0]?.[0] ?? SLOTS),
        )
        .map((n) => [
          n.address,
          n.role,
          byId.get(n.id)?.failing && !n.failing ? `${n.flags.join(',')} (fail elsewhere)` : n.flags.join(','),
          n.linkState,
          formatRanges(n.slots, 4),
          addressOf(n.primaryId),
        ]),
    },
    {
      title: 'CLUSTER INFO per node',
      columns: ['node', 'state', 'slots ok', 'pfail', 'fail', 'known', 'epoch'],
      rows: samples.map((s) => [
        s.address,
        s.info.cluster_state ?? '?',
        s.info.cluster_slots_ok ?? '?',
        s.info.cluster_slots_pfail ?? '?',
        s.info.cluster_slots_fail ?? '?',
        s.info.cluster_known_nodes ?? '?',
        s.info.cluster_current_epoch ?? '?',
      ]),
    },
  ];
}

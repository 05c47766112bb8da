import type { Redis } from 'ioredis';
import { z } from 'zod';
import { formatBytes } from '../../kernel/bytes.js';
import { withTimeout } from '../../kernel/timeout.js';
import { pingNode } from '../node-reach.js';
import type { ProbeResult, TopologyProbe, TopologyProbeContext } from '../probe.js';
import { parseReplicationInfo, type ReplicationInfo } from '../replication-info.js';
import { addressOf, flagsOf, knownReplicas, masterAgreement, readSentinels } from '../sentinel-view.js';

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

/** One replica as the probe saw it: its own INFO, the primary's `slaveN` line, Sentinel's record. */
interface ReplicaState {
  address: string;
  /** The primary it was found under (or that Sentinel names). */
  primary?: string;
  info?: ReplicationInfo;
  error?: string;
  fromPrimary?: { state: string; offset: number; lagS: number };
  fromSentinel?: Record<string, string>;
  /** Whether this is the node the target config names (RedisMasterLinkDown fires on it). */
  configured: boolean;
}

interface PrimaryState {
  address: string;
  info?: ReplicationInfo;
  error?: string;
}

/** PING then `INFO replication` on one node, over one connection; the redacted error when it does not answer. */
async function examine(
  topology: TopologyProbeContext['topology'],
  address: string,
  timeoutMs: number,
  open?: () => Promise<Redis>,
): Promise<{ info?: ReplicationInfo; error?: string }> {
  const reach = await pingNode(topology, address, timeoutMs, open);
  if (!reach.client) return { error: reach.error ?? 'no answer' };
  try {
    return { info: parseReplicationInfo(await withTimeout(reach.client.info('replication'), timeoutMs, 'INFO')) };
  } catch (err) {
    return { error: `INFO replication failed: ${(err as Error).message}` };
  }
}

/** Why a replica is not healthy, or undefined when it replicates fine. */
function brokenReason(r: ReplicaState, kind: string): { status: string; reason: string } | undefined {
  if (!r.info) {
    return { status: 'unreachable', reason: `unreachable: ${r.error ?? 'no answer'}` };
  }
  if (r.info.role !== 'slave') return { status: `role ${r.info.role}`, reason: `reports role ${r.info.role}` };
  if (r.info.linkStatus !== 'up') {
    const since = r.info.linkDownS !== undefined && r.info.linkDownS >= 0 ? ` for ${r.info.linkDownS}s` : '';
    return { status: r.info.linkStatus ?? 'unknown', reason: `master link ${r.info.linkStatus ?? 'unknown'}${since}` };
  }
  if (r.info.syncInProgress) return { status: 'sync', reason: 'full sync in progress' };
  if (r.fromPrimary && r.fromPrimary.state !== 'online') {
    return { status: r.fromPrimary.state, reason: `primary reports state ${r.fromPrimary.state}` };
  }
  // Sentinel reconfigures replicas; one following another primary is left over from a failover or a split.
  if (kind === 'sentinel' && r.primary && r.info.masterAddress && r.info.masterAddress !== r.primary) {
    return { status: 'wrong master', reason: `follows ${r.info.masterAddress}, not the primary ${r.primary}` };
  }
  return undefined;
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
    const { topology } = ctx;
    const t = params.nodeTimeoutMs;
    const notes: string[] = [];
    let roots: string[] = [];
    let rootError: string | undefined;
    let sentinelReplicas: Array<Record<string, string>> | undefined;

    if (topology.kind === 'sentinel' && ctx.target.sentinel) {
      const views = await readSentinels(topology, ctx.target.sentinel.name, { timeoutMs: t });
      const agreement = masterAgreement(views);
      if (agreement.agreed) roots = [agreement.agreed];
      else rootError = 'no sentinel names a primary';
      sentinelReplicas = knownReplicas(views, agreement.agreed);
      if (agreement.distinct > 1) notes.push(`sentinels disagree on the primary; examined ${agreement.agreed}`);
    } else {
      try {
        roots = (await topology.primaries()).slice(0, MAX_PRIMARIES);
      } catch (err) {
        rootError = (err as Error).message.replace(/^.*? is unreachable: /, '');
      }
    }

    const open = (address: string) => () =>
      topology.kind === 'standalone' && roots[0] === address ? topology.primary() : topology.node(address);

    // The configured node(s): primaries, or a replica named in the config whose primary we then look up.
    const primaries = new Map<string, PrimaryState>();
    const replicas = new Map<string, ReplicaState>();
    let configuredRole = 'unknown';
    for (const [i, address] of roots.entries()) {
      const { info, error } = await examine(topology, address, t, open(address));
      if (i === 0) configuredRole = info?.role ?? 'unreachable';
      if (info?.role === 'slave') {
        const master = info.masterAddress;
        replicas.set(address, { address, info, configured: true, ...(master ? { primary: master } : {}) });
        if (master && !primaries.has(master)) {
          const m = await examine(topology, master, t);
          primaries.set(master, { address: master, ...(m.info ? { info: m.info } : { error: m.error ?? '?' }) });
        }
      } else {
        primaries.set(address, { address, ...(info ? { info } : { error: error ?? '?' }) });
      }
    }

    // Replicas the primaries list, then the ones Sentinel knows.
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
    const all = [...replicas.values()];
    const examined = all.slice(0, params.maxReplicas);
    if (all.length > examined.length) notes.push(`only ${examined.length} of ${all.length} replicas examined`);
    await Promise.all(
      examined
        .filter((r) => !r.info)
        .map(async (r) => {
          const { info, error } = await examine(topology, r.address, t);
          if (info) r.info = info;
          else r.error = error ?? 'no answer';
        }),
    );

    // Per replica: broken?, lag in bytes behind its primary, link down time.
    const rows: string[][] = [];
    let broken: { r: ReplicaState; status: string; reason: string } | undefined;
    let down = 0;
    let syncing = 0;
    let maxLagBytes = 0;
    let lagging = '(none)';
    let maxLagS = 0;
    let maxLinkDownS = 0;
    let extraMasters = 0;
    let extraMaster = '(none)';
    const lagOf = (r: ReplicaState): number | undefined => {
      const p = r.primary ? primaries.get(r.primary)?.info : undefined;
      // Offsets compare only within one replication stream: not for a node that reports itself a master, and not
      // from Sentinel's record of a replica it never reached (offset 0).
      if (r.info && r.info.role !== 'slave') return undefined;
      const offset = r.info?.offset ?? r.fromPrimary?.offset;
      if (p?.offset === undefined || offset === undefined) return undefined;
      return Math.max(0, p.offset - offset);
    };
    // The configured replica first: the alert fired on it.
    const ordered = [...examined.filter((r) => r.configured), ...examined.filter((r) => !r.configured)];
    for (const r of ordered) {
      const why = brokenReason(r, topology.kind);
      if (why) {
        down++;
        broken ??= { r, ...why };
      }
      if (r.info?.role === 'master' && !primaries.has(r.address)) {
        extraMasters++;
        if (extraMaster === '(none)') extraMaster = r.address;
      }
      if (r.info?.syncInProgress || (r.fromPrimary && r.fromPrimary.state !== 'online')) syncing++;
      const lag = lagOf(r);
      if (lag !== undefined && lag > maxLagBytes) {
        maxLagBytes = lag;
        lagging = r.address;
      }
      // The primary's view (seconds since the replica's last ACK, sent every second) is the reliable one;
      // master_last_io_seconds_ago reaches repl-ping-replica-period (10 s) on an idle healthy link.
      const lagS = r.fromPrimary ? r.fromPrimary.lagS : r.info?.linkStatus === 'up' ? (r.info.lastIoS ?? 0) : 0;
      maxLagS = Math.max(maxLagS, lagS);
      const sentinelDownMs = Number(r.fromSentinel?.['master-link-down-time'] ?? 0);
      const linkDownS =
        r.info?.linkStatus === 'down' ? (r.info.linkDownS ?? 0) : sentinelDownMs > 0 ? sentinelDownMs / 1000 : 0;
      maxLinkDownS = Math.max(maxLinkDownS, linkDownS);
      rows.push([
        r.address,
        r.configured ? 'configured node' : r.fromPrimary ? 'listed by primary' : 'known to Sentinel',
        r.info ? r.info.role : 'unreachable',
        r.info?.masterAddress ?? r.primary ?? '?',
        r.info?.linkStatus ?? r.fromSentinel?.['master-link-status'] ?? '?',
        r.info?.lastIoS !== undefined ? String(r.info.lastIoS) : '?',
        r.fromPrimary?.state ?? '-',
        lag !== undefined ? formatBytes(lag) : '?',
        r.fromSentinel ? flagsOf(r.fromSentinel).join(',') : '-',
        why?.reason ?? 'ok',
      ]);
    }

    const firstPrimary = [...primaries.values()][0];
    const primaryUp = [...primaries.values()].filter((p) => p.info);
    const connected = primaryUp.length
      ? primaryUp.reduce((s, p) => s + (p.info?.replicas.filter((l) => l.state === 'online').length ?? 0), 0)
      : examined.filter((r) => r.info?.linkStatus === 'up').length;
    const expected = sentinelReplicas ? sentinelReplicas.length : all.length;
    const metrics: ProbeResult['metrics'] = {
      'replication.role': configuredRole,
      'replication.primary': firstPrimary?.address ?? '(unknown)',
      'replication.primary_error': firstPrimary?.error ?? rootError ?? '(none)',
      'replication.primary_promoted': firstPrimary?.info?.promoted ? 1 : 0,
      'replication.connected_replicas': connected,
      'replication.expected_replicas': expected,
      'replication.replicas_down': down,
      'replication.broken_replica': broken?.r.address ?? '(none)',
      'replication.master_link_status': broken ? broken.status : examined.length ? 'up' : '(none)',
      'replication.broken_reason': broken?.reason ?? '(none)',
      'replication.broken_replica_master': broken
        ? (broken.r.info?.masterAddress ?? broken.r.primary ?? '?')
        : '(none)',
      'replication.max_lag_bytes': maxLagBytes,
      'replication.max_lag_human': formatBytes(maxLagBytes),
      'replication.lagging_replica': lagging,
      'replication.max_lag_s': maxLagS,
      'replication.max_link_down_s': maxLinkDownS,
      'replication.syncing': syncing,
      'replication.extra_masters': extraMasters,
      'replication.extra_master': extraMaster,
    };
    if (broken) {
      const lag = lagOf(broken.r);
      if (lag !== undefined) metrics['replication.broken_replica_lag_bytes'] = lag;
      if (broken.r.info?.lastIoS !== undefined) metrics['replication.broken_replica_last_io_s'] = broken.r.info.lastIoS;
    }
    if (rootError) notes.push(`primary not found: ${rootError}`);
    if (!examined.length) notes.push('no replicas listed by the primary or known to Sentinel');

    const figures = [
      { label: 'configured node role', value: configuredRole },
      {
        label: 'primary',
        value: `${metrics['replication.primary']}${firstPrimary?.error ? ` (unreachable: ${firstPrimary.error})` : ''}`,
      },
      { label: 'replicas connected / expected', value: `${connected} / ${expected}` },
      { label: 'replicas down', value: String(down) },
    ];
    if (broken) figures.push({ label: 'broken replica', value: `${broken.r.address}: ${broken.reason}` });
    if (maxLagBytes > 0) figures.push({ label: 'max lag', value: `${formatBytes(maxLagBytes)} (${lagging})` });
    const tables = rows.length
      ? [
          {
            title: 'Replicas',
            columns: [
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
            ],
            rows,
          },
        ]
      : [];
    return { metrics, figures, tables, notes };
  },
};

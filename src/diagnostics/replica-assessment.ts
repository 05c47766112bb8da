import { formatBytes } from '../kernel/bytes.js';
import type { ReplicationInfo } from './replication-info.js';
import { flagsOf } from './sentinel-view.js';

/** One replica as the replication probe saw it: its own INFO, the primary's `slaveN` line, Sentinel's record. */
export interface ReplicaState {
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

/** A primary's `INFO replication`, or the redacted error when it did not answer. */
export interface PrimaryState {
  address: string;
  info?: ReplicationInfo;
  error?: string;
}

/** The examined replicas judged together: the first broken one, counts, worst lags, and one table row each. */
export interface ReplicaAssessment {
  rows: string[][];
  broken: { r: ReplicaState; status: string; reason: string } | undefined;
  down: number;
  syncing: number;
  maxLagBytes: number;
  lagging: string;
  maxLagS: number;
  maxLinkDownS: number;
  extraMasters: number;
  extraMaster: string;
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

/** Bytes a replica is behind its primary, or undefined when the two offsets cannot be compared. */
export function replicaLagBytes(r: ReplicaState, primaries: ReadonlyMap<string, PrimaryState>): number | undefined {
  const p = r.primary ? primaries.get(r.primary)?.info : undefined;
  // Offsets compare only within one replication stream: not for a node that reports itself a master, and not
  // from Sentinel's record of a replica it never reached (offset 0).
  if (r.info && r.info.role !== 'slave') return undefined;
  const offset = r.info?.offset ?? r.fromPrimary?.offset;
  if (p?.offset === undefined || offset === undefined) return undefined;
  return Math.max(0, p.offset - offset);
}

/** Seconds since the replica last heard from its primary, and how long its link has been down. */
function linkTimes(r: ReplicaState): { lagS: number; linkDownS: number } {
  // The primary's view (seconds since the replica's last ACK, sent every second) is the reliable one;
  // master_last_io_seconds_ago reaches repl-ping-replica-period (10 s) on an idle healthy link.
  const lagS = r.fromPrimary ? r.fromPrimary.lagS : r.info?.linkStatus === 'up' ? (r.info.lastIoS ?? 0) : 0;
  const sentinelDownMs = Number(r.fromSentinel?.['master-link-down-time'] ?? 0);
  const linkDownS =
    r.info?.linkStatus === 'down' ? (r.info.linkDownS ?? 0) : sentinelDownMs > 0 ? sentinelDownMs / 1000 : 0;
  return { lagS, linkDownS };
}

function replicaRow(r: ReplicaState, lag: number | undefined, verdict: string): string[] {
  return [
    r.address,
    r.configured ? 'configured node' : r.fromPrimary ? 'listed by primary' : 'known to Sentinel',
    r.info ? r.info.role : 'unreachable',
    r.info?.masterAddress ?? r.primary ?? '?',
    r.info?.linkStatus ?? r.fromSentinel?.['master-link-status'] ?? '?',
    r.info?.lastIoS !== undefined ? String(r.info.lastIoS) : '?',
    r.fromPrimary?.state ?? '-',
    lag !== undefined ? formatBytes(lag) : '?',
    r.fromSentinel ? flagsOf(r.fromSentinel).join(',') : '-',
    verdict,
  ];
}

/**
 * Judges each examined replica (broken?, lag in bytes behind its primary, link down time), the configured replica
 * first: the alert fired on it, so it is the one reported as broken when several are. `kind` is the topology kind.
 */
export function assessReplicas(
  examined: readonly ReplicaState[],
  primaries: ReadonlyMap<string, PrimaryState>,
  kind: string,
): ReplicaAssessment {
  const a: ReplicaAssessment = {
    rows: [],
    broken: undefined,
    down: 0,
    syncing: 0,
    maxLagBytes: 0,
    lagging: '(none)',
    maxLagS: 0,
    maxLinkDownS: 0,
    extraMasters: 0,
    extraMaster: '(none)',
  };
  const ordered = [...examined.filter((r) => r.configured), ...examined.filter((r) => !r.configured)];
  for (const r of ordered) {
    const why = brokenReason(r, kind);
    if (why) {
      a.down++;
      a.broken ??= { r, ...why };
    }
    if (r.info?.role === 'master' && !primaries.has(r.address)) {
      a.extraMasters++;
      if (a.extraMaster === '(none)') a.extraMaster = r.address;
    }
    if (r.info?.syncInProgress || (r.fromPrimary && r.fromPrimary.state !== 'online')) a.syncing++;
    const lag = replicaLagBytes(r, primaries);
    if (lag !== undefined && lag > a.maxLagBytes) {
      a.maxLagBytes = lag;
      a.lagging = r.address;
    }
    const { lagS, linkDownS } = linkTimes(r);
    a.maxLagS = Math.max(a.maxLagS, lagS);
    a.maxLinkDownS = Math.max(a.maxLinkDownS, linkDownS);
    a.rows.push(replicaRow(r, lag, why?.reason ?? 'ok'));
  }
  return a;
}

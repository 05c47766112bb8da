import { num, parseInfo } from '../kernel/info.js';

/** One `slaveN:ip=…,port=…,state=…,offset=…,lag=…` line of a primary's `INFO replication`. */
export interface ReplicaLine {
  address: string;
  /** `online` once synced; `wait_bgsave` / `send_bulk` during a full sync. */
  state: string;
  offset: number;
  /** Seconds since the replica's last REPLCONF ACK. */
  lagS: number;
}

/** The fields of `INFO replication` the replication probes use, for a primary or a replica. */
export interface ReplicationInfo {
  role: string;
  /** For a replica: the primary it follows (`master_host:master_port`). */
  masterAddress?: string;
  /** For a replica: `up` or `down`. */
  linkStatus?: string;
  lastIoS?: number;
  syncInProgress?: boolean;
  /** For a replica whose link is down: seconds since it went down (-1: never connected). */
  linkDownS?: number;
  /** Replication offset: `slave_repl_offset` on a replica, `master_repl_offset` on a primary. */
  offset?: number;
  connectedReplicas: number;
  replicas: ReplicaLine[];
  /**
   * A second replication id is kept when a replica is promoted (failover, REPLICAOF NO ONE): the node took over
   * from another primary since it started.
   */
  promoted: boolean;
  failoverState?: string;
}

function parseReplicaLine(value: string): ReplicaLine | undefined {
  const f: Record<string, string> = {};
  for (const part of value.split(',')) {
    const i = part.indexOf('=');
    if (i > 0) f[part.slice(0, i)] = part.slice(i + 1);
  }
  if (!f.ip || !f.port) return undefined;
  return {
    address: `${f.ip}:${f.port}`,
    state: f.state ?? 'unknown',
    offset: Number(f.offset ?? 0),
    lagS: Number(f.lag ?? 0),
  };
}

/** Parses `INFO replication` text. */
export function parseReplicationInfo(text: string): ReplicationInfo {
  const info = parseInfo(text);
  const role = info.role ?? 'unknown';
  const replicas: ReplicaLine[] = [];
  for (const [k, v] of Object.entries(info)) {
    if (!/^slave\d+$/.test(k)) continue;
    const line = parseReplicaLine(v);
    if (line) replicas.push(line);
  }
  const isReplica = role === 'slave';
  const out: ReplicationInfo = {
    role,
    connectedReplicas: num(info, 'connected_slaves') ?? replicas.length,
    replicas,
    promoted: (num(info, 'second_repl_offset') ?? -1) >= 0,
  };
  const offset = isReplica ? num(info, 'slave_repl_offset') : num(info, 'master_repl_offset');
  if (offset !== undefined) out.offset = offset;
  if (info.master_failover_state) out.failoverState = info.master_failover_state;
  if (isReplica) {
    if (info.master_host) out.masterAddress = `${info.master_host}:${info.master_port ?? '6379'}`;
    if (info.master_link_status) out.linkStatus = info.master_link_status;
    const io = num(info, 'master_last_io_seconds_ago');
    if (io !== undefined) out.lastIoS = io;
    out.syncInProgress = info.master_sync_in_progress === '1';
    const down = num(info, 'master_link_down_since_seconds');
    if (down !== undefined) out.linkDownS = down;
  }
  return out;
}

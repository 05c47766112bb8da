import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { parseClusterNodes } from '../targets/cluster-nodes.js';
import { waitUntil } from './wait-until.js';

/** Redis Cluster has 16,384 hash slots, spread evenly over the primaries as `redis-cli --cluster create` does. */
const SLOTS = 16_384;
/** The cluster bus listens on the client port + 10000 (unless `cluster-port` says otherwise; we do not set it). */
const BUS_OFFSET = 10_000;
/**
 * Client ports come from 10000–22767 so that port + 10000 stays below Linux's ephemeral range (32768+), where
 * `freePort()` and outgoing connections take theirs: a bus port there could be taken between check and bind.
 */
const PORT_MIN = 10_000;
const PORT_MAX = 22_767;

/** One `redis-server --cluster-enabled yes` process of a throwaway cluster. */
export interface ClusterNodeProcess {
  /** `127.0.0.1:port`, as the cluster itself reports it in `CLUSTER NODES`. */
  address: string;
  port: number;
  pid: number;
  /** Node id (`CLUSTER MYID`). */
  id: string;
  /** The role it was given at start; a failover may have changed it since. */
  role: 'primary' | 'replica';
  /** For a replica: the id of the primary it was told to replicate. */
  primaryId: string | undefined;
  dir: string;
  /** True until the process has exited (killed by a test or stopped). */
  readonly running: boolean;
  /** A client to this node alone (no cluster redirections), disconnected by `stop()`. */
  client(): Redis;
  /** SIGKILL by PID, wait for the exit, remove the data directory. Safe to call twice. */
  stop(): Promise<void>;
}

/** A throwaway Redis Cluster on loopback, owned by the caller and stopped by PID. */
export interface ClusterProcess {
  nodes: ClusterNodeProcess[];
  /** `host:port` of every node, primaries first: what a target's `cluster.nodes` lists. */
  seeds: string[];
  primaries(): ClusterNodeProcess[];
  replicas(): ClusterNodeProcess[];
  /** Stops every node by PID. */
  stopAll(): Promise<void>;
}

export interface StartClusterOptions {
  primaries?: number;
  replicasPerPrimary?: 0 | 1;
  /** `cluster-node-timeout` in ms: how fast nodes suspect (pfail) and then fail a silent peer. */
  nodeTimeoutMs?: number;
  /** Extra `redis-server` options for every node, e.g. `['--cluster-replica-no-failover', 'yes']`. */
  args?: string[];
  /** Upper bound for the whole start, until every node says `cluster_state:ok`. */
  readyTimeoutMs?: number;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A free client port whose cluster bus port (+10000) is free too. */
export async function freeClusterPort(taken: ReadonlySet<number> = new Set()): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = PORT_MIN + Math.floor(Math.random() * (PORT_MAX - PORT_MIN + 1));
    if (taken.has(port) || taken.has(port + BUS_OFFSET)) continue;
    if ((await portIsFree(port)) && (await portIsFree(port + BUS_OFFSET))) return port;
  }
  throw new Error(`no free port pair (port, port+${BUS_OFFSET}) found in ${PORT_MIN}-${PORT_MAX}`);
}

interface Spawned {
  port: number;
  dir: string;
  child: ChildProcess;
  exited: Promise<void>;
  isRunning(): boolean;
  output(): string;
}

/** Spawns one cluster-enabled node and waits for "Ready to accept connections"; rejects with its log if it exits. */
async function spawnNode(port: number, nodeTimeoutMs: number, args: string[]): Promise<Spawned> {
  const dir = mkdtempSync(join(tmpdir(), 'rib-cluster-'));
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      'nodes.conf',
      '--cluster-node-timeout',
      String(nodeTimeoutMs),
      '--appendonly',
      'no',
      '--save',
      '',
      // Replicas sync at once instead of after the default 5 s wait for more replicas to share one RDB transfer.
      '--repl-diskless-sync-delay',
      '0',
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  let running = true;
  const append = (d: Buffer) => {
    output = (output + d.toString()).slice(-8000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      running = false;
      resolve();
    }),
  );
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      const onData = () => {
        if (output.includes('Ready to accept connections')) resolve();
      };
      child.stdout?.on('data', onData);
      void exited.then(() => reject(new Error(`redis-server on port ${port} exited before ready:\n${output}`)));
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return { port, dir, child, exited, isRunning: () => running, output: () => output };
}

function adminClient(port: number): Redis {
  const c = new Redis(port, '127.0.0.1', { lazyConnect: false, maxRetriesPerRequest: 1 });
  c.on('error', () => undefined);
  return c;
}

/** Slot ranges for `n` primaries, split like `redis-cli --cluster create` (0-5460, 5461-10922, 10923-16383). */
export function slotRanges(n: number): Array<[number, number]> {
  const per = SLOTS / n;
  const ranges: Array<[number, number]> = [];
  let first = 0;
  for (let i = 0; i < n; i++) {
    const last = i === n - 1 ? SLOTS - 1 : Math.round(per * (i + 1)) - 1;
    ranges.push([first, last]);
    first = last + 1;
  }
  return ranges;
}

/**
 * Starts a throwaway Redis Cluster on loopback: `primaries` cluster-enabled `redis-server`s (plus
 * `replicasPerPrimary` replicas each) with no persistence, each epoch distinct (`CLUSTER SET-CONFIG-EPOCH`), slots
 * split evenly (`CLUSTER ADDSLOTSRANGE`), joined with `CLUSTER MEET`, replicas attached with `CLUSTER REPLICATE`.
 * Resolves once every node reports `cluster_state:ok`, knows every other node in its final role, and every replica's
 * link to its primary is up. On any failure the nodes already started are stopped.
 */
export async function startCluster(opts: StartClusterOptions = {}): Promise<ClusterProcess> {
  const primaryCount = opts.primaries ?? 3;
  const replicasPer = opts.replicasPerPrimary ?? 0;
  const nodeTimeoutMs = opts.nodeTimeoutMs ?? 1000;
  const readyTimeoutMs = opts.readyTimeoutMs ?? 20_000;
  const total = primaryCount * (1 + replicasPer);
  const spawned: Spawned[] = [];
  const admins: Redis[] = [];
  const stopSpawned = async () => {
    for (const s of spawned) {
      if (s.isRunning()) s.child.kill('SIGKILL');
      await s.exited;
      rmSync(s.dir, { recursive: true, force: true });
    }
  };
  try {
    const taken = new Set<number>();
    for (let i = 0; i < total; i++) {
      // A port checked free can still be taken before redis binds it (another test file, another process): retry.
      for (let attempt = 1; ; attempt++) {
        const port = await freeClusterPort(taken);
        try {
          spawned.push(await spawnNode(port, nodeTimeoutMs, opts.args ?? []));
          taken.add(port).add(port + BUS_OFFSET);
          break;
        } catch (err) {
          if (attempt >= 5) throw err;
        }
      }
    }
    for (const s of spawned) admins.push(adminClient(s.port));
    const ids = await Promise.all(admins.map(async (a) => String(await a.call('CLUSTER', 'MYID'))));
    const ranges = slotRanges(primaryCount);
    for (const [i, a] of admins.entries()) {
      // Distinct config epochs up front, as redis-cli does, instead of relying on collision resolution.
      await a.call('CLUSTER', 'SET-CONFIG-EPOCH', String(i + 1));
      const range = ranges[i];
      if (range) await a.call('CLUSTER', 'ADDSLOTSRANGE', String(range[0]), String(range[1]));
    }
    const first = admins[0];
    if (!first) throw new Error('no nodes');
    for (const s of spawned.slice(1)) await first.call('CLUSTER', 'MEET', '127.0.0.1', String(s.port));
    let lastSeen = '';
    await waitUntil(
      async () => {
        for (const [i, a] of admins.entries()) {
          const known = parseClusterNodes(String(await a.call('CLUSTER', 'NODES')));
          const ok = known.length === total && known.every((n) => !n.flags.includes('handshake'));
          if (!ok) {
            lastSeen = `${spawned[i]?.port} knows ${known.length} of ${total} nodes`;
            return false;
          }
        }
        return true;
      },
      { timeoutMs: readyTimeoutMs, what: 'every node to know every other node', last: () => lastSeen },
    );
    const primaryOf = (i: number) => ids[(i - primaryCount) % primaryCount];
    for (let i = primaryCount; i < total; i++) {
      await admins[i]?.call('CLUSTER', 'REPLICATE', primaryOf(i) ?? '');
    }
    await waitUntil(
      async () => {
        for (const [i, a] of admins.entries()) {
          const info = String(await a.call('CLUSTER', 'INFO'));
          if (!info.includes('cluster_state:ok')) {
            lastSeen = `${spawned[i]?.port}: ${info.split('\r\n')[0]}`;
            return false;
          }
          const view = parseClusterNodes(String(await a.call('CLUSTER', 'NODES')));
          const replicas = view.filter((n) => n.role === 'replica').length;
          if (replicas !== total - primaryCount) {
            lastSeen = `${spawned[i]?.port} sees ${replicas} replicas`;
            return false;
          }
          if (i >= primaryCount && !String(await a.info('replication')).includes('master_link_status:up')) {
            lastSeen = `replica ${spawned[i]?.port}: link to its primary not up yet`;
            return false;
          }
        }
        return true;
      },
      { timeoutMs: readyTimeoutMs, what: 'cluster_state:ok on every node', last: () => lastSeen },
    );
    for (const a of admins) a.disconnect();
    const nodes = spawned.map((s, i): ClusterNodeProcess => {
      const clients: Redis[] = [];
      return {
        address: `127.0.0.1:${s.port}`,
        port: s.port,
        pid: s.child.pid ?? -1,
        id: ids[i] ?? '',
        role: i < primaryCount ? 'primary' : 'replica',
        primaryId: i < primaryCount ? undefined : primaryOf(i),
        dir: s.dir,
        get running() {
          return s.isRunning();
        },
        client() {
          const c = adminClient(s.port);
          clients.push(c);
          return c;
        },
        async stop() {
          for (const c of clients.splice(0)) c.disconnect();
          if (s.isRunning() && s.child.pid) process.kill(s.child.pid, 'SIGKILL');
          await s.exited;
          rmSync(s.dir, { recursive: true, force: true });
        },
      };
    });
    return {
      nodes,
      seeds: nodes.map((n) => n.address),
      primaries: () => nodes.filter((n) => n.role === 'primary'),
      replicas: () => nodes.filter((n) => n.role === 'replica'),
      async stopAll() {
        await Promise.all(nodes.map((n) => n.stop()));
      },
    };
  } catch (err) {
    for (const a of admins) a.disconnect();
    await stopSpawned();
    throw err;
  }
}

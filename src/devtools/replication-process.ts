import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, type RedisProcess, startRedis } from './redis-process.js';
import { waitUntil } from './wait-until.js';

/**
 * Arguments for a primary that replicas should sync from at once: redis 7 waits 5 s
 * (`repl-diskless-sync-delay`) before a diskless full sync by default, which would dominate every test.
 */
export const FAST_SYNC_ARGS = ['--repl-diskless-sync-delay', '0'] as const;

/** `master_link_status` of a replica, read from `INFO replication`. */
export async function masterLinkStatus(client: Redis): Promise<string | undefined> {
  return /^master_link_status:(\w+)/m.exec(await client.info('replication'))?.[1];
}

/**
 * Starts a replica of `primary` (`--replicaof 127.0.0.1 <port>`) and waits until its `master_link_status` is up.
 * `extraArgs` go to redis-server, e.g. `['--masterauth', 'pw', '--requirepass', 'pw']` for a primary with a password.
 * Start the primary with {@link FAST_SYNC_ARGS} or the first sync waits 5 s.
 */
export async function startReplica(
  primary: RedisProcess,
  extraArgs: string[] = [],
  { timeoutMs = 15_000 }: { timeoutMs?: number } = {},
): Promise<RedisProcess> {
  const replica = await startRedis(['--replicaof', '127.0.0.1', String(primary.port), ...extraArgs]);
  const client = replica.client();
  try {
    await waitUntil(async () => (await masterLinkStatus(client)) === 'up', {
      what: `replica ${replica.port} link up`,
      timeoutMs,
    });
  } catch (err) {
    await replica.stop();
    throw err;
  } finally {
    client.disconnect();
  }
  return replica;
}

/** A `redis-server --sentinel` process, owned by the caller and stopped by PID. */
export interface SentinelProcess {
  port: number;
  /** `127.0.0.1:<port>`, as a Sentinel target's `nodes` list wants it. */
  address: string;
  pid: number;
  dir: string;
  client(): Redis;
  stop(): Promise<void>;
}

export interface SentinelGroup {
  /** The master name the sentinels monitor. */
  name: string;
  sentinels: SentinelProcess[];
  addresses: string[];
  stop(): Promise<void>;
}

export interface SentinelOptions {
  name?: string;
  quorum?: number;
  count?: number;
  downAfterMs?: number;
  failoverTimeoutMs?: number;
  /** `sentinel auth-pass`: the data nodes' password when the primary runs with --requirepass. */
  authPass?: string;
  /** Replicas every sentinel must know before this returns; default: the primary's online replicas now. */
  replicas?: number;
  /** Bound on the wait for the sentinels to find the master, each other and the replicas. */
  timeoutMs?: number;
}

/** Reads a Sentinel reply given as a flat `[field, value, …]` array. */
function fields(reply: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(reply)) return out;
  for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = String(reply[i + 1]);
  return out;
}

async function spawnSentinel(conf: string): Promise<SentinelProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'rib-sentinel-'));
  const file = join(dir, 'sentinel.conf');
  // Sentinel rewrites its config file (discovered peers, epochs), so it must live in a writable temp dir.
  writeFileSync(file, `port ${port}\nbind 127.0.0.1\ndir ${dir}\n${conf}`);
  const child: ChildProcess = spawn('redis-server', [file, '--sentinel'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (d: Buffer) => {
    output += d.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const clients: Redis[] = [];
  const makeClient = () => {
    const c = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1 });
    clients.push(c);
    return c;
  };
  const stop = async () => {
    for (const c of clients) c.disconnect();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // Sentinel logs no "Ready to accept connections"; it is ready when it answers PING.
  const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  try {
    await waitUntil(
      async () => {
        if (exitCode !== undefined) return true;
        if (probe.status !== 'ready') {
          probe.disconnect();
          await probe.connect();
        }
        return (await probe.ping()) === 'PONG';
      },
      { what: `sentinel on port ${port}`, timeoutMs: 10_000 },
    );
    if (exitCode !== undefined)
      throw new Error(`redis-server --sentinel exited (${exitCode}) before ready:\n${output}`);
  } catch (err) {
    await stop();
    throw err;
  } finally {
    probe.disconnect();
  }
  return { port, address: `127.0.0.1:${port}`, pid: child.pid ?? -1, dir, client: makeClient, stop };
}

/**
 * Starts `count` sentinels (default 3, quorum 2) monitoring `primary` as `name` and waits until every one of them
 * knows the master, all the other sentinels (`num-other-sentinels`) and the primary's replicas (`num-slaves`).
 * Short `downAfterMs` / `failoverTimeoutMs` make a failover in a test take seconds, not a minute.
 */
export async function startSentinels(primary: RedisProcess, options: SentinelOptions = {}): Promise<SentinelGroup> {
  const {
    name = 'mymaster',
    count = 3,
    quorum = Math.min(2, count),
    downAfterMs = 1000,
    failoverTimeoutMs = 3000,
    authPass,
    timeoutMs = 20_000,
  } = options;
  let replicas = options.replicas;
  if (replicas === undefined) {
    const c = primary.client();
    try {
      replicas = [...(await c.info('replication')).matchAll(/^slave\d+:.*state=online/gm)].length;
    } finally {
      c.disconnect();
    }
  }
  const conf = [
    // Before `monitor`, so the address is kept as given.
    'sentinel resolve-hostnames no',
    `sentinel monitor ${name} 127.0.0.1 ${primary.port} ${quorum}`,
    `sentinel down-after-milliseconds ${name} ${downAfterMs}`,
    `sentinel failover-timeout ${name} ${failoverTimeoutMs}`,
    `sentinel parallel-syncs ${name} 1`,
    ...(authPass ? [`sentinel auth-pass ${name} ${authPass}`] : []),
    '',
  ].join('\n');
  const sentinels: SentinelProcess[] = [];
  const stop = async () => {
    await Promise.all(sentinels.map((s) => s.stop()));
  };
  try {
    for (let i = 0; i < count; i++) sentinels.push(await spawnSentinel(conf));
    const wanted = replicas;
    await Promise.all(
      sentinels.map(async (s) => {
        const c = s.client();
        try {
          await waitUntil(
            async () => {
              const m = fields(await c.call('SENTINEL', 'MASTER', name));
              return Number(m['num-other-sentinels']) >= count - 1 && Number(m['num-slaves']) >= wanted;
            },
            {
              what: `sentinel ${s.address} to see ${count - 1} other sentinels and ${wanted} replicas of ${name}`,
              timeoutMs,
            },
          );
        } finally {
          c.disconnect();
        }
      }),
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { name, sentinels, addresses: sentinels.map((s) => s.address), stop };
}

import { Redis, type RedisOptions } from 'ioredis';
import type { Target } from '../config/config-file.js';
import { AppError } from '../kernel/errors.js';
import { redactText } from '../kernel/redact.js';
import { parseClusterNodes } from './cluster-nodes.js';

export type TopologyKind = 'standalone' | 'sentinel' | 'cluster';

/** Bounds on every connection to a diagnosed Redis: it is production, so fail fast rather than queue. */
export const TARGET_CONNECTION_OPTIONS = {
  connectTimeout: 3000,
  commandTimeout: 10_000,
  maxRetriesPerRequest: 1,
  enableOfflineQueue: true,
  lazyConnect: true,
  retryStrategy: () => null,
} as const;

export function splitAddress(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  return { host: address.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(address.slice(at + 1)) };
}

export function topologyKind(target: Target): TopologyKind {
  return target.sentinel ? 'sentinel' : target.cluster ? 'cluster' : 'standalone';
}

/**
 * How to reach the nodes of one target, for the length of one diagnosis or action: the current primary (asked of
 * the sentinels, or the first reachable cluster seed), any data node with the target's credentials, the sentinels,
 * an online replica for heavy scans. Every connection it opens is bounded and closed by `close()`.
 */
export class Topology {
  readonly kind: TopologyKind;
  private readonly opened: Redis[] = [];
  private primaryConn: Promise<Redis> | undefined;
  private primaryAddr: Promise<string> | undefined;

  constructor(
    readonly target: Target,
    private readonly commandTimeoutMs: number = TARGET_CONNECTION_OPTIONS.commandTimeout,
  ) {
    this.kind = topologyKind(target);
  }

  get sentinels(): string[] {
    return this.target.sentinel?.nodes ?? [];
  }

  get seeds(): string[] {
    return this.target.cluster?.nodes ?? [];
  }

  private credentials(): Pick<RedisOptions, 'username' | 'password' | 'tls'> {
    if (this.target.url) {
      const u = new URL(this.target.url);
      return {
        ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
        ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
        ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
      };
    }
    return {
      ...(this.target.username ? { username: this.target.username } : {}),
      ...(this.target.password ? { password: this.target.password } : {}),
    };
  }

  private async open(what: string, make: () => Redis): Promise<Redis> {
    const client = make();
    // ioredis emits 'error' on connection trouble (without a listener Node would treat it as unhandled); with no
    // retries its rejection only says "Connection is closed", so keep the real cause (ECONNREFUSED, ETIMEDOUT…).
    let cause: Error | undefined;
    client.on('error', (err: Error) => {
      cause ??= err;
    });
    this.opened.push(client);
    try {
      await client.connect();
      return client;
    } catch (err) {
      client.disconnect();
      const message = cause?.message ?? (err as Error).message;
      throw new AppError('TARGET_UNREACHABLE', `${this.target.name}: ${what} is unreachable: ${redactText(message)}`);
    }
  }

  private options(): RedisOptions {
    return {
      ...TARGET_CONNECTION_OPTIONS,
      commandTimeout: this.commandTimeoutMs,
      connectionName: 'redis-incident-bot',
    };
  }

  /** A data node (primary or replica) at `host:port`, with the target's credentials. */
  node(address: string): Promise<Redis> {
    const { host, port } = splitAddress(address);
    return this.open(`node ${address}`, () => new Redis({ ...this.options(), ...this.credentials(), host, port }));
  }

  /** A sentinel at `host:port` (its own password, if any). */
  sentinel(address: string): Promise<Redis> {
    const { host, port } = splitAddress(address);
    const password = this.target.sentinel?.sentinelPassword;
    return this.open(
      `sentinel ${address}`,
      () => new Redis({ ...this.options(), host, port, ...(password ? { password } : {}) }),
    );
  }

  /** Where the primary is now: the URL's host, the sentinels' answer, or the first reachable cluster seed. */
  primaryAddress(): Promise<string> {
    // Asked once per topology: node probes, the primary connection and topology probes all need it.
    this.primaryAddr ??= this.resolvePrimaryAddress();
    return this.primaryAddr;
  }

  private async resolvePrimaryAddress(): Promise<string> {
    if (this.target.url) {
      const u = new URL(this.target.url);
      return `${u.hostname}:${u.port || 6379}`;
    }
    if (this.target.sentinel) {
      const errors: string[] = [];
      for (const address of this.sentinels) {
        try {
          const s = await this.sentinel(address);
          const reply = (await s.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.target.sentinel.name)) as
            | [string, string]
            | null;
          if (reply) return `${reply[0]}:${reply[1]}`;
          errors.push(`${address} does not know master ${this.target.sentinel.name}`);
        } catch (err) {
          errors.push((err as Error).message);
        }
      }
      throw new AppError(
        'TARGET_UNREACHABLE',
        `${this.target.name}: no sentinel named the primary (${errors.join('; ')})`,
      );
    }
    const errors: string[] = [];
    for (const address of this.seeds) {
      try {
        await this.node(address);
        return address;
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    throw new AppError('TARGET_UNREACHABLE', `${this.target.name}: no cluster seed answered (${errors.join('; ')})`);
  }

  /** The primary (for a cluster: a reachable seed node), connected once and shared. */
  primary(): Promise<Redis> {
    this.primaryConn ??= (async () => {
      if (this.target.url) {
        const url = this.target.url;
        return this.open('primary', () => new Redis(url, this.options()));
      }
      return this.node(await this.primaryAddress());
    })();
    return this.primaryConn;
  }

  /** Addresses of the primaries whose data node probes examine: every serving cluster primary, else the one. */
  async primaries(): Promise<string[]> {
    if (this.kind !== 'cluster') return [await this.primaryAddress()];
    const seed = await this.primary();
    const host = String(seed.options.host ?? '127.0.0.1');
    const nodes = parseClusterNodes(String(await seed.call('CLUSTER', 'NODES')), { host });
    const serving = nodes.filter((n) => n.role === 'primary' && !n.failing && n.slots.length > 0).map((n) => n.address);
    return serving.length ? serving : [await this.primaryAddress()];
  }

  /** An online replica of the primary, for heavy read-only scans; undefined when there is none. */
  async replica(): Promise<Redis | undefined> {
    const info = String(await (await this.primary()).info('replication'));
    for (const m of info.matchAll(/^slave\d+:ip=([^,]+),port=(\d+),state=online/gm)) {
      try {
        return await this.node(`${m[1]}:${m[2]}`);
      } catch {
        // try the next one
      }
    }
    return undefined;
  }

  /** Hands a connection over to the caller: `close()` will leave it open. */
  release(client: Redis): Redis {
    const at = this.opened.indexOf(client);
    if (at >= 0) this.opened.splice(at, 1);
    return client;
  }

  /** Disconnects everything this topology opened. */
  close(): void {
    for (const c of this.opened.splice(0)) c.disconnect();
    this.primaryConn = undefined;
    this.primaryAddr = undefined;
  }
}

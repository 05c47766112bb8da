import { Redis, type RedisOptions } from 'ioredis';
import type { Target } from '../config/config-file.js';
import { AppError, errorMessage } from '../kernel/errors.js';
import { redactText } from '../kernel/redact.js';
import { parseClusterNodes } from './cluster-nodes.js';

export type TopologyKind = 'standalone' | 'sentinel' | 'cluster';

/**
 * Bounds on every connection to a diagnosed Redis: it is production, so fail fast rather than queue. A node that
 * accepts TCP but stops answering (SIGSTOP, a stuck fork, a saturated host) is caught by the read timeout:
 * `commandTimeout` rejects the command, `socketTimeout` (same bound) destroys the socket so later commands on it fail
 * at once instead of each waiting out its own timer. Nothing the bot sends a target legitimately stays silent that
 * long (MONITOR samples use their own socket and budget).
 */
export const TARGET_CONNECTION_OPTIONS = {
  connectTimeout: 3000,
  commandTimeout: 10_000,
  maxRetriesPerRequest: 1,
  enableOfflineQueue: true,
  lazyConnect: true,
  retryStrategy: () => null,
} as const;

/** ioredis's `socketTimeout` error, emitted when a node stayed silent with a command pending. */
const SOCKET_TIMEOUT = /^Socket timeout/;
/** How ioredis reports a read timeout to the caller: the command's own timer, or the socket it destroyed. */
const TIMEOUT_SYMPTOMS = /^(Command timed out|Connection is closed\.|Socket timeout)/;

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
  /** Where each opened client points, so a silent node's clients are known. */
  private readonly addresses = new Map<Redis, string>();
  /** Nodes that went silent during this topology's life (read timeout): asked again, they fail at once. */
  private readonly silent = new Map<string, AppError>();
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

  /** The read timeout of this topology's connections, in milliseconds. */
  get readTimeoutMs(): number {
    return this.commandTimeoutMs;
  }

  private async open(what: string, address: string, make: () => Redis): Promise<Redis> {
    const known = this.silent.get(address);
    if (known) throw known;
    const client = make();
    // ioredis emits 'error' on connection trouble (without a listener Node would treat it as unhandled); with no
    // retries its rejection only says "Connection is closed", so keep the real cause (ECONNREFUSED, ETIMEDOUT…).
    let cause: Error | undefined;
    client.on('error', (err: Error) => {
      cause ??= err;
      if (SOCKET_TIMEOUT.test(err.message)) this.markSilent(address, what);
    });
    this.opened.push(client);
    this.addresses.set(client, address);
    try {
      await client.connect();
      return client;
    } catch (err) {
      client.disconnect();
      const silent = this.silent.get(address);
      if (silent) throw silent;
      const message = cause?.message ?? errorMessage(err);
      throw new AppError('TARGET_UNREACHABLE', `${this.target.name}: ${what} is unreachable: ${redactText(message)}`);
    }
  }

  /**
   * Records that the node at `address` did not answer within the read timeout: the rest of this diagnosis gets that
   * answer at once instead of waiting for it again on every step. Returns the error the steps report.
   */
  markSilent(address: string, what = `node ${address}`): AppError {
    let known = this.silent.get(address);
    if (!known) {
      known = new AppError(
        'TARGET_TIMEOUT',
        `${this.target.name}: ${what} is unreachable: timed out, no reply from ${address} within ${this.commandTimeoutMs} ms`,
      );
      this.silent.set(address, known);
    }
    return known;
  }

  /**
   * A step's failure in words that name the target: a node's read timeout instead of ioredis's bare "Command timed
   * out" or the "Connection is closed." that follows it; a timeout from a scan's own socket with the target's name.
   * `node` is the node the step examined, when it was one. Other errors are returned as they are.
   */
  explain(err: unknown, node?: string): Error {
    const error = err instanceof Error ? err : new Error(String(err));
    if (error instanceof AppError) {
      if (error.code !== 'TARGET_TIMEOUT' || error.message.startsWith(`${this.target.name}:`)) return error;
      // A dedicated socket (a scan) timed out: the node is silent for this diagnosis's other steps too.
      if (node) this.markSilent(node);
      return new AppError('TARGET_TIMEOUT', `${this.target.name}: ${error.message}`);
    }
    if (!TIMEOUT_SYMPTOMS.test(error.message)) return error;
    const silent = (node ? this.silent.get(node) : undefined) ?? this.silent.values().next().value;
    if (silent) return silent;
    if (error.message.startsWith('Connection is closed')) return error;
    return node
      ? this.markSilent(node)
      : new AppError(
          'TARGET_TIMEOUT',
          `${this.target.name}: timed out, no reply within ${this.commandTimeoutMs} ms (${error.message})`,
        );
  }

  private options(): RedisOptions {
    return {
      ...TARGET_CONNECTION_OPTIONS,
      commandTimeout: this.commandTimeoutMs,
      socketTimeout: this.commandTimeoutMs,
      connectionName: 'redis-incident-bot',
    };
  }

  /** A data node (primary or replica) at `host:port`, with the target's credentials. */
  node(address: string): Promise<Redis> {
    const { host, port } = splitAddress(address);
    return this.open(
      `node ${address}`,
      address,
      () => new Redis({ ...this.options(), ...this.credentials(), host, port }),
    );
  }

  /** A sentinel at `host:port` (its own password, if any). */
  sentinel(address: string): Promise<Redis> {
    const { host, port } = splitAddress(address);
    const password = this.target.sentinel?.sentinelPassword;
    return this.open(
      `sentinel ${address}`,
      address,
      () => new Redis({ ...this.options(), host, port, ...(password ? { password } : {}) }),
    );
  }

  /** Where the primary is now: the URL's host, the sentinels' answer, or the first reachable cluster seed. */
  primaryAddress(): Promise<string> {
    // Asked once per topology: node probes, the primary connection and topology probes all need it.
    this.primaryAddr ??= this.resolvePrimaryAddress();
    return this.primaryAddr;
  }

  private urlAddress(url: string): string {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 6379}`;
  }

  private async resolvePrimaryAddress(): Promise<string> {
    if (this.target.url) return this.urlAddress(this.target.url);
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
          errors.push(errorMessage(err));
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
        errors.push(errorMessage(err));
      }
    }
    throw new AppError('TARGET_UNREACHABLE', `${this.target.name}: no cluster seed answered (${errors.join('; ')})`);
  }

  /** The primary (for a cluster: a reachable seed node), connected once and shared; fails at once once silent. */
  async primary(): Promise<Redis> {
    this.primaryConn ??= (async () => {
      if (this.target.url) {
        const url = this.target.url;
        return this.open('primary', this.urlAddress(url), () => new Redis(url, this.options()));
      }
      return this.node(await this.primaryAddress());
    })();
    const client = await this.primaryConn;
    const silent = this.silent.get(this.addresses.get(client) ?? '');
    if (silent) throw silent;
    return client;
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
    this.addresses.delete(client);
    return client;
  }

  /** Disconnects everything this topology opened. */
  close(): void {
    for (const c of this.opened.splice(0)) c.disconnect();
    this.addresses.clear();
    this.silent.clear();
    this.primaryConn = undefined;
    this.primaryAddr = undefined;
  }
}

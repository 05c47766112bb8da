import { Redis } from 'ioredis';
import type { Target } from '../config/config-file.js';
import { AppError } from '../errors.js';

/** Bounds on every connection to a diagnosed Redis: it is production, so fail fast rather than queue. */
export const TARGET_CONNECTION_OPTIONS = {
  connectTimeout: 3000,
  commandTimeout: 10_000,
  maxRetriesPerRequest: 1,
  enableOfflineQueue: true,
  lazyConnect: true,
  retryStrategy: () => null,
} as const;

/** Known targets and how to reach them; resolves alerts to targets by their labels. */
export class TargetRegistry {
  constructor(private readonly targets: readonly Target[]) {}

  list(): readonly Target[] {
    return this.targets;
  }

  get(name: string): Target | undefined {
    return this.targets.find((t) => t.name === name);
  }

  require(name: string): Target {
    const t = this.get(name);
    if (!t) throw new AppError('TARGET_UNKNOWN', `no target named ${name}`);
    return t;
  }

  /** The target whose `match` labels all equal the alert's; the most specific match wins. */
  forLabels(labels: Record<string, string>): Target | undefined {
    let best: Target | undefined;
    for (const t of this.targets) {
      const entries = Object.entries(t.match);
      if (!entries.every(([k, v]) => labels[k] === v)) continue;
      if (!best || entries.length > Object.keys(best.match).length) best = t;
    }
    return best;
  }

  /**
   * Opens a bounded connection to the target. The caller owns it and must `disconnect()` it.
   * `commandTimeoutMs` overrides the per-command bound (long scans use many short commands, never one long one).
   */
  async connect(target: Target, commandTimeoutMs?: number): Promise<Redis> {
    const client = new Redis(target.url, {
      ...TARGET_CONNECTION_OPTIONS,
      commandTimeout: commandTimeoutMs ?? TARGET_CONNECTION_OPTIONS.commandTimeout,
      connectionName: 'redis-incident-bot',
    });
    // ioredis emits 'error' on connection trouble; without a listener Node would treat it as unhandled.
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (err) {
      client.disconnect();
      throw new AppError('TARGET_UNREACHABLE', `target ${target.name} is unreachable: ${(err as Error).message}`);
    }
    return client;
  }
}

/** Human text for the labels that identify where an alert came from. */
export function describeAlertSource(labels: Record<string, string>): string {
  const keys = ['instance', 'cluster', 'service', 'job'];
  const parts = keys.filter((k) => labels[k]).map((k) => `${k}=${labels[k]}`);
  return parts.join(', ') || 'no instance label';
}

import type { Redis } from 'ioredis';
import type { Target } from '../config/config-file.js';
import { Topology } from './topology.js';

export { TARGET_CONNECTION_OPTIONS } from './topology.js';

/** Known targets and how to reach them; resolves alerts to targets by their labels. */
export class TargetRegistry {
  constructor(private readonly targets: readonly Target[]) {}

  list(): readonly Target[] {
    return this.targets;
  }

  get(name: string): Target | undefined {
    return this.targets.find((t) => t.name === name);
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

  /** A topology handle for one diagnosis or action; the caller must `close()` it. */
  topology(target: Target, commandTimeoutMs?: number): Topology {
    return new Topology(target, commandTimeoutMs);
  }

  /**
   * Opens a bounded connection to the target's primary (asking the sentinels, or a cluster seed). The caller owns it
   * and must `disconnect()` it. `commandTimeoutMs` overrides the per-command bound.
   */
  async connect(target: Target, commandTimeoutMs?: number): Promise<Redis> {
    const topology = this.topology(target, commandTimeoutMs);
    try {
      return topology.release(await topology.primary());
    } finally {
      topology.close();
    }
  }
}

/** Human text for the labels that identify where an alert came from. */
export function describeAlertSource(labels: Record<string, string>): string {
  const keys = ['instance', 'cluster', 'service', 'job'];
  const parts = keys.filter((k) => labels[k]).map((k) => `${k}=${labels[k]}`);
  return parts.join(', ') || 'no instance label';
}

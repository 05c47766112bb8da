import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { applyMemoryPressure } from '../../src/devtools/memory-pressure.js';
import { type RedisProcess, startRedis } from '../../src/devtools/redis-process.js';
import type { Children } from './children.js';
import { type ChaosSettings, channelOf, instanceOf, targetName } from './plan.js';

/**
 * Starts the target redis-servers, ten at a time: small (`--save ''`, maxmemory 64 MiB, then ~2 MiB of data at 92 % of
 * a lowered maxmemory, noeviction), so each high-memory diagnosis finds something to propose.
 */
export async function startTargets(children: Children, count: number): Promise<RedisProcess[]> {
  const targets: RedisProcess[] = [];
  for (let i = 0; i < count; i += 10) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(10, count - i) }, async () => {
        const r = await startRedis(['--maxmemory', '64mb', '--maxmemory-policy', 'noeviction']);
        children.own(() => r.stop(), r.pid);
        const c = r.client();
        await applyMemoryPressure(c, { usedPct: 92, bigKeyBytes: 256 * 1024 });
        c.disconnect();
        return r;
      }),
    );
    targets.push(...batch);
  }
  return targets;
}

/** Writes the CONFIG_FILE: one target per redis-server, routed by its `instance` label, channels round-robin. */
export function writeConfig(file: string, targets: RedisProcess[], s: ChaosSettings, approver: string): string {
  const config = {
    targets: targets.map((r, t) => ({
      name: targetName(t),
      url: r.url,
      workload: 'cache',
      match: { instance: instanceOf(t) },
      channel: channelOf(t, s.channels),
    })),
    approvals: { approvers: [approver], twoPersonRule: true, expiresAfter: '15m' },
  };
  writeFileSync(file, stringify(config));
  return file;
}

import { z } from 'zod';
import { formatBytes } from '../../kernel/bytes.js';
import { num, parseInfo } from '../../kernel/info.js';
import type { Probe, ProbeResult } from '../probe.js';

const ParamsSchema = z.object({}).strict();

/**
 * Scope of a memory problem: how full the instance is, under which eviction policy, and whether it evicts.
 * Commands: `INFO memory`, `INFO stats` — O(1) each, safe on any production instance.
 */
export const memoryProbe: Probe<typeof ParamsSchema> = {
  name: 'memory',
  title: 'Memory scope',
  commands: 'INFO memory, INFO stats (O(1) each)',
  paramsSchema: ParamsSchema,
  async run(ctx): Promise<ProbeResult> {
    const mem = parseInfo(await ctx.client.info('memory'));
    const stats = parseInfo(await ctx.client.info('stats'));
    const used = num(mem, 'used_memory') ?? 0;
    const max = num(mem, 'maxmemory') ?? 0;
    const system = num(mem, 'total_system_memory') ?? 0;
    const rss = num(mem, 'used_memory_rss') ?? 0;
    const evicted = num(stats, 'evicted_keys') ?? 0;
    const hits = num(stats, 'keyspace_hits') ?? 0;
    const misses = num(stats, 'keyspace_misses') ?? 0;
    const policy = mem.maxmemory_policy ?? 'unknown';
    const metrics: ProbeResult['metrics'] = {
      'memory.used_bytes': used,
      'memory.rss_bytes': rss,
      'memory.maxmemory_bytes': max,
      'memory.total_system_memory_bytes': system,
      'memory.policy': policy,
      'memory.evicted_keys': evicted,
      'memory.used_human': formatBytes(used),
      'memory.maxmemory_human': max ? formatBytes(max) : 'unlimited',
    };
    // With no maxmemory the limit is the host: judge against system memory instead.
    const limit = max || system;
    if (limit > 0) metrics['memory.used_pct'] = Math.round((used / limit) * 1000) / 10;
    if (max && system) metrics['memory.maxmemory_of_system_pct'] = Math.round((max / system) * 1000) / 10;
    if (hits + misses > 0) metrics['memory.hit_ratio_pct'] = Math.round((hits / (hits + misses)) * 1000) / 10;
    const figures = [
      { label: 'used_memory', value: formatBytes(used) },
      { label: 'maxmemory', value: max ? formatBytes(max) : 'not set (0)' },
      {
        label: 'used of limit',
        value: limit ? `${metrics['memory.used_pct']}% of ${max ? 'maxmemory' : 'system memory'}` : 'n/a',
      },
      { label: 'maxmemory_policy', value: policy },
      { label: 'evicted_keys', value: String(evicted) },
      { label: 'used_memory_rss', value: formatBytes(rss) },
    ];
    if (metrics['memory.hit_ratio_pct'] !== undefined) {
      figures.push({ label: 'hit ratio', value: `${metrics['memory.hit_ratio_pct']}%` });
    }
    if (system) figures.push({ label: 'total_system_memory', value: formatBytes(system) });
    return { metrics, figures, tables: [], notes: [] };
  },
};

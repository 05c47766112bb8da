import { z } from 'zod';
import { num, parseInfo } from '../../kernel/info.js';
import { configGet, round1 } from '../config-get.js';
import type { Probe, ProbeResult } from '../probe.js';

const ParamsSchema = z.object({}).strict();

/**
 * Traffic and connection counters: ops/s, connected clients against maxclients, rejected connections, blocked
 * clients, keyspace hit ratio, evictions and expirations, connections received since start (and per second: a high
 * rate with few clients means connections are opened per request instead of pooled).
 * Commands: `INFO stats`, `INFO clients`, `INFO server` (O(1) each); `CONFIG GET maxclients` (O(1)) only when INFO
 * does not report it (Redis < 7). The counters are totals since the server started; `uptime_s` dates them.
 */
export const statsProbe: Probe<typeof ParamsSchema> = {
  name: 'stats',
  title: 'Traffic and connections',
  commands: 'INFO stats, INFO clients, INFO server, CONFIG GET maxclients if INFO lacks it (O(1) each)',
  paramsSchema: ParamsSchema,
  async run(ctx): Promise<ProbeResult> {
    const stats = parseInfo(await ctx.client.info('stats'));
    const clients = parseInfo(await ctx.client.info('clients'));
    const server = parseInfo(await ctx.client.info('server'));
    const notes: string[] = [];
    let maxclients = num(clients, 'maxclients');
    if (maxclients === undefined) {
      const v = await configGet(ctx.client, 'maxclients');
      maxclients = v !== undefined && v !== '' ? Number(v) : undefined;
      if (maxclients === undefined) notes.push('maxclients unknown: INFO lacks it and CONFIG GET was refused.');
    }
    const connected = num(clients, 'connected_clients') ?? 0;
    const hits = num(stats, 'keyspace_hits') ?? 0;
    const misses = num(stats, 'keyspace_misses') ?? 0;
    const uptime = num(server, 'uptime_in_seconds') ?? 0;
    const received = num(stats, 'total_connections_received') ?? 0;
    const rejected = num(stats, 'rejected_connections') ?? 0;
    const metrics: ProbeResult['metrics'] = {
      'stats.ops_per_sec': num(stats, 'instantaneous_ops_per_sec') ?? 0,
      'stats.connected_clients': connected,
      'stats.blocked_clients': num(clients, 'blocked_clients') ?? 0,
      'stats.rejected_connections': rejected,
      'stats.total_connections_received': received,
      'stats.keyspace_hits': hits,
      'stats.keyspace_misses': misses,
      'stats.evicted_keys': num(stats, 'evicted_keys') ?? 0,
      'stats.expired_keys': num(stats, 'expired_keys') ?? 0,
      'stats.uptime_s': uptime,
    };
    if (maxclients !== undefined && Number.isFinite(maxclients) && maxclients > 0) {
      metrics['stats.maxclients'] = maxclients;
      metrics['stats.clients_pct'] = round1((connected / maxclients) * 100);
    }
    if (hits + misses > 0) metrics['stats.hit_ratio_pct'] = round1((hits / (hits + misses)) * 100);
    if (uptime > 0) metrics['stats.connections_per_sec'] = round1(received / uptime);
    if (connected < 10) notes.push('connected_clients includes the bot’s own connection.');
    const figures = [
      { label: 'ops/s', value: String(metrics['stats.ops_per_sec']) },
      {
        label: 'connected clients',
        value:
          metrics['stats.maxclients'] !== undefined
            ? `${connected} of maxclients ${metrics['stats.maxclients']} (${metrics['stats.clients_pct']}%)`
            : String(connected),
      },
      { label: 'rejected connections', value: `${rejected} since start` },
      { label: 'blocked clients', value: String(metrics['stats.blocked_clients']) },
      {
        label: 'connections received',
        value: `${received} since start${uptime > 0 ? ` (${metrics['stats.connections_per_sec']}/s on average)` : ''}`,
      },
      {
        label: 'keyspace hit ratio',
        value: metrics['stats.hit_ratio_pct'] !== undefined ? `${metrics['stats.hit_ratio_pct']}%` : 'no reads yet',
      },
      { label: 'evicted / expired keys', value: `${metrics['stats.evicted_keys']} / ${metrics['stats.expired_keys']}` },
      { label: 'uptime', value: `${uptime} s` },
    ];
    return { metrics, figures, tables: [], notes };
  },
};

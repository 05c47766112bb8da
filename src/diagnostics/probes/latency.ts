import { z } from 'zod';
import { num, parseInfo, parseKeyspaceValue } from '../../kernel/info.js';
import { configGet, isReplyError, round1 } from '../config-get.js';
import type { Probe, ProbeResult } from '../probe.js';

const ParamsSchema = z
  .object({
    /** Rows per table. */
    top: z.number().int().min(1).max(50).default(10),
    /** Commands called fewer times than this are left out of the "slowest per call" ranking (one-off outliers). */
    minCalls: z.number().int().min(1).default(1),
    /** LATENCY DOCTOR text kept in the notes, in characters. */
    doctorChars: z.number().int().min(0).max(3000).default(800),
  })
  .strict();

/** One `LATENCY LATEST` row. */
export interface LatencyEvent {
  event: string;
  time: number;
  latestMs: number;
  maxMs: number;
}

export function parseLatencyLatest(raw: unknown): LatencyEvent[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((row) =>
    Array.isArray(row) && row.length >= 4
      ? [{ event: String(row[0]), time: Number(row[1]), latestMs: Number(row[2]), maxMs: Number(row[3]) }]
      : [],
  );
}

/** One command's line of `INFO commandstats`. */
export interface CommandStat {
  command: string;
  calls: number;
  usec: number;
  usecPerCall: number;
}

/** `cmdstat_get:calls=10,usec=20,usec_per_call=2.00,…` lines → per-command figures. */
export function parseCommandStats(text: string): CommandStat[] {
  const info = parseInfo(text);
  return Object.entries(info)
    .filter(([k]) => k.startsWith('cmdstat_'))
    .map(([k, v]) => {
      const f = parseKeyspaceValue(v);
      const calls = f.calls ?? 0;
      const usec = f.usec ?? 0;
      return {
        command: k.slice('cmdstat_'.length),
        calls,
        usec,
        usecPerCall: f.usec_per_call ?? (calls > 0 ? usec / calls : 0),
      };
    });
}

async function optional<T>(work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (err) {
    if (isReplyError(err)) return undefined;
    throw err;
  }
}

/**
 * Where the time goes: latency events the server recorded (`LATENCY LATEST`, `LATENCY DOCTOR`), a fork for BGSAVE
 * or an AOF rewrite in progress and how long the last fork took, blocked clients, and the commands that cost the
 * most in total and per call (`INFO commandstats`). LATENCY LATEST stays empty unless `latency-monitor-threshold`
 * is set; the probe says so and never changes the server's config.
 * Commands: `LATENCY LATEST`, `LATENCY DOCTOR`, `INFO persistence`, `INFO stats`, `INFO clients`,
 * `INFO commandstats` (O(commands)), `CONFIG GET latency-monitor-threshold` — all cheap and read-only.
 */
export const latencyProbe: Probe<typeof ParamsSchema> = {
  name: 'latency',
  title: 'Latency sources',
  commands:
    'LATENCY LATEST, LATENCY DOCTOR, INFO persistence|stats|clients, INFO commandstats (O(commands)), CONFIG GET latency-monitor-threshold',
  paramsSchema: ParamsSchema,
  async run(ctx, p): Promise<ProbeResult> {
    const notes: string[] = [];
    const latestRaw = await optional(() => ctx.client.call('LATENCY', 'LATEST'));
    const doctor = await optional(() => ctx.client.call('LATENCY', 'DOCTOR'));
    const threshold = await configGet(ctx.client, 'latency-monitor-threshold');
    const persistence = parseInfo(await ctx.client.info('persistence'));
    const stats = parseInfo(await ctx.client.info('stats'));
    const clients = parseInfo(await ctx.client.info('clients'));
    const commandStats = parseCommandStats(await ctx.client.info('commandstats'));

    const events = parseLatencyLatest(latestRaw);
    const worst = [...events].sort((a, b) => b.latestMs - a.latestMs)[0];
    const bgsave = num(persistence, 'rdb_bgsave_in_progress') ?? 0;
    const aofRewrite = num(persistence, 'aof_rewrite_in_progress') ?? 0;
    const forkUsec = num(stats, 'latest_fork_usec') ?? 0;
    const byTotal = [...commandStats].sort((a, b) => b.usec - a.usec);
    const byPerCall = commandStats.filter((c) => c.calls >= p.minCalls).sort((a, b) => b.usecPerCall - a.usecPerCall);
    const totalUsec = commandStats.reduce((s, c) => s + c.usec, 0);
    const top = byTotal[0];
    const slowest = byPerCall[0];

    const metrics: ProbeResult['metrics'] = {
      'latency.events': events.length,
      'latency.latest_event': worst?.event ?? '(none)',
      'latency.max_latest_ms': worst?.latestMs ?? 0,
      'latency.max_all_time_ms': events.reduce((m, e) => Math.max(m, e.maxMs), 0),
      'latency.fork_in_progress': bgsave || aofRewrite ? 1 : 0,
      'latency.rdb_bgsave_in_progress': bgsave,
      'latency.aof_rewrite_in_progress': aofRewrite,
      'latency.latest_fork_ms': round1(forkUsec / 1000),
      'latency.blocked_clients': num(clients, 'blocked_clients') ?? 0,
      'latency.top_command_by_usec': top?.command ?? '(none)',
      'latency.top_command_usec': top?.usec ?? 0,
      'latency.top_command_calls': top?.calls ?? 0,
      'latency.top_command_usec_per_call': round1(top?.usecPerCall ?? 0),
      'latency.top_command_time_pct': top && totalUsec > 0 ? round1((top.usec / totalUsec) * 100) : 0,
      'latency.slowest_command_per_call': slowest?.command ?? '(none)',
      'latency.slowest_command_usec_per_call': round1(slowest?.usecPerCall ?? 0),
    };
    if (threshold !== undefined) metrics['latency.monitor_threshold_ms'] = Number(threshold);

    if (latestRaw === undefined) notes.push('LATENCY LATEST was refused (renamed or denied by ACL).');
    else if (threshold === '0') {
      notes.push(
        'Latency monitoring is off (latency-monitor-threshold 0), so LATENCY LATEST is empty. The bot does not ' +
          'change it; to record spikes, set it in redis.conf (e.g. 100 ms).',
      );
    } else if (threshold === undefined && events.length === 0) {
      notes.push('LATENCY LATEST is empty; it only records events when latency-monitor-threshold is set.');
    }
    if (typeof doctor === 'string' && events.length > 0 && p.doctorChars > 0) {
      const text = doctor.replace(/\s+/g, ' ').trim();
      notes.push(`LATENCY DOCTOR: ${text.length > p.doctorChars ? `${text.slice(0, p.doctorChars - 1)}…` : text}`);
    }
    if (bgsave) notes.push('A BGSAVE fork is running now: copy-on-write and the fork itself add latency.');
    if (aofRewrite) notes.push('An AOF rewrite is running now: fsync and copy-on-write add latency.');

    const figures = [
      {
        label: 'worst latest event',
        value: worst ? `${worst.event}: ${worst.latestMs} ms (all-time max ${worst.maxMs} ms)` : 'none recorded',
      },
      {
        label: 'fork',
        value: `${bgsave ? 'BGSAVE running' : aofRewrite ? 'AOF rewrite running' : 'none running'}; last fork took ${metrics['latency.latest_fork_ms']} ms`,
      },
      { label: 'blocked clients', value: String(metrics['latency.blocked_clients']) },
    ];
    if (top) {
      figures.push({
        label: 'most total time',
        value: `${top.command}: ${top.calls} calls, ${round1(top.usec / 1000)} ms, ${round1(top.usecPerCall)} µs per call (${metrics['latency.top_command_time_pct']}% of all)`,
      });
    }
    if (slowest) {
      figures.push({ label: 'slowest per call', value: `${slowest.command}: ${round1(slowest.usecPerCall)} µs` });
    }
    const row = (c: CommandStat) => [c.command, String(c.calls), String(round1(c.usec / 1000)), String(c.usecPerCall)];
    return {
      metrics,
      figures,
      tables: [
        {
          title: 'Latency events (LATENCY LATEST)',
          columns: ['event', 'latest ms', 'max ms'],
          rows: events.map((e) => [e.event, String(e.latestMs), String(e.maxMs)]),
        },
        {
          title: 'Commands by total time',
          columns: ['command', 'calls', 'total ms', 'µs per call'],
          rows: byTotal.slice(0, p.top).map(row),
        },
        {
          title: 'Commands by time per call',
          columns: ['command', 'calls', 'total ms', 'µs per call'],
          rows: byPerCall.slice(0, p.top).map(row),
        },
      ],
      notes,
    };
  },
};

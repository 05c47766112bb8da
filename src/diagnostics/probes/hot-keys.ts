import type { Redis } from 'ioredis';
import { z } from 'zod';
import { errorMessage } from '../../kernel/errors.js';
import { parseInfo } from '../../kernel/info.js';
import { sampleCommandStats } from '../hot-keys-commandstats.js';
import { sampleLfu } from '../hot-keys-lfu.js';
import { compactArgs, type KeySpec, firstKey as keyOf, parseCommandInfo } from '../monitor-line.js';
import { sampleMonitor } from '../monitor-sample.js';
import type { Probe, ProbeContext, ProbeResult } from '../probe.js';

const ParamsSchema = z
  .object({
    /** How many keys (or commands) the top table lists. */
    top: z.number().int().min(1).max(100).default(10),
    /** LFU method: keys read with OBJECT FREQ at most (a bigger keyspace is sampled, and the notes say so). */
    maxKeys: z.number().int().min(1).max(10_000_000).default(100_000),
    /** LFU method: `adaptive` (default) paces the scan by the node's load; `fixed` writes `burstSize` keys a time. */
    pacing: z.enum(['adaptive', 'fixed']).optional(),
    /** SCAN COUNT (fixed pacing). */
    batchSize: z.number().int().min(1).max(5000).optional(),
    /** OBJECT FREQ per write: fixed pacing's pace, adaptive pacing's most (default 192). */
    burstSize: z.number().int().min(1).max(5000).optional(),
    /** A duty-cycle pause after every 100 ms of writes (0: none). */
    pauseMs: z.number().min(0).max(1000).optional(),
    loadReadMs: z.number().int().min(10).max(10_000).optional(),
    /** Without LFU, sample MONITOR (costs throughput while it runs); `false` falls back to INFO commandstats. */
    allowMonitor: z.boolean().default(true),
    /** MONITOR sample length; also the INFO commandstats window. */
    maxSeconds: z.number().min(0.1).max(10).default(2),
    /** MONITOR sample size: it stops at whichever bound comes first. */
    maxLines: z.number().int().min(100).max(200_000).default(20_000),
  })
  .strict();
type Params = z.infer<typeof ParamsSchema>;

type Method = 'lfu-object-freq' | 'monitor-sample' | 'commandstats';
const CONFIDENCE: Record<Method, string> = {
  'lfu-object-freq': 'high',
  'monitor-sample': 'medium',
  commandstats: 'low',
};

const round1 = (n: number) => Math.round(n * 10) / 10;

/** The bot's own connection as the server sees it, so MONITOR does not count the bot's commands. */
async function ownAddress(client: Redis): Promise<string | undefined> {
  try {
    const info = String(await client.call('CLIENT', 'INFO'));
    const m = /(?:^| )addr=(\S+)/.exec(info);
    if (m?.[1]) return m[1];
  } catch {
    // CLIENT INFO is 6.2+ and may be denied; the socket's local address is the same unless a proxy sits between.
  }
  const s = client.stream as { localAddress?: string; localPort?: number } | undefined;
  return s?.localAddress && s.localPort ? `${s.localAddress}:${s.localPort}` : undefined;
}

/** A MONITOR sample on a dedicated connection, aggregated by each command's first key. */
async function monitorSample(ctx: ProbeContext, p: Params): Promise<ProbeResult> {
  const own = await ownAddress(ctx.client);
  const byKey = new Map<string, { count: number; commands: Map<string, number> }>();
  // Only what locates the key is kept: the first four arguments, trimmed (a SET's value may be megabytes).
  const lines: Array<{ db: number; args: string[] }> = [];
  const maxMs = Math.min(p.maxSeconds * 1000, Math.max(100, ctx.timeoutMs - 2000));
  const run = await sampleMonitor(ctx.client, {
    maxMs,
    maxLines: p.maxLines,
    ignoreSources: new Set(own ? [own] : []),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    onLine: (line) => lines.push({ db: line.db, args: compactArgs(line.args) }),
  });
  // Key positions come from the server itself, asked once for the commands actually seen.
  const names = [...new Set(lines.map((l) => l.args[0]!.toLowerCase()))];
  let specs: Map<string, KeySpec> = new Map();
  if (names.length) {
    try {
      specs = parseCommandInfo(await ctx.client.call('COMMAND', 'INFO', ...names));
    } catch {
      // COMMAND may be renamed or denied: firstKey falls back to the second argument.
    }
  }
  let keyed = 0;
  for (const { db, args } of lines) {
    const key = keyOf(args, specs);
    if (key === undefined) continue;
    keyed++;
    const label = db === 0 ? key : `${key} (db ${db})`;
    const agg = byKey.get(label) ?? { count: 0, commands: new Map<string, number>() };
    agg.count++;
    const cmd = args[0]!.toUpperCase();
    agg.commands.set(cmd, (agg.commands.get(cmd) ?? 0) + 1);
    byKey.set(label, agg);
  }
  const seconds = Math.max(0.001, run.elapsedMs / 1000);
  const ranked = [...byKey.entries()].sort((a, b) => b[1].count - a[1].count).slice(0, p.top);
  const mainCommand = (c: Map<string, number>) => [...c.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '';
  const metrics: ProbeResult['metrics'] = {
    'hot_keys.sampled': lines.length,
    'hot_keys.keyed_commands': keyed,
    'hot_keys.distinct_keys': byKey.size,
    'hot_keys.sample_seconds': round1(seconds),
  };
  const first = ranked[0];
  if (first) {
    metrics['hot_keys.top_key'] = first[0];
    metrics['hot_keys.top_key_accesses'] = first[1].count;
    metrics['hot_keys.top_key_share_pct'] = round1((first[1].count / keyed) * 100);
    metrics['hot_keys.top_key_ops_per_sec'] = Math.round(first[1].count / seconds);
    metrics['hot_keys.top_key_command'] = mainCommand(first[1].commands);
  }
  const notes = [
    `MONITOR sampled ${lines.length} commands (${keyed} on keys, ${byKey.size} distinct keys) in ${round1(seconds)} s, ` +
      `stopped by ${run.stoppedBy}; the bot's own connection${own ? ` (${own})` : ''} is not counted` +
      (run.ignored ? ` (${run.ignored} lines)` : ''),
    'MONITOR costs the server throughput while it runs (each command is copied to the monitor connection); ' +
      'it is bounded by maxSeconds and maxLines. Set allowMonitor: false to avoid it.',
  ];
  if (run.unparsed) notes.push(`${run.unparsed} MONITOR lines could not be parsed`);
  return {
    metrics,
    figures: [
      {
        label: 'hottest key',
        value: first
          ? `${first[0]}: ${first[1].count} of ${keyed} keyed commands (${metrics['hot_keys.top_key_share_pct']}%, ~${metrics['hot_keys.top_key_ops_per_sec']}/s, mostly ${metrics['hot_keys.top_key_command']})`
          : 'no commands on keys during the sample',
      },
      { label: 'commands sampled', value: `${lines.length} in ${round1(seconds)} s` },
    ],
    tables: ranked.length
      ? [
          {
            title: `Hottest keys in a ${round1(seconds)} s MONITOR sample`,
            columns: ['key', 'commands', 'share', 'per second', 'main command'],
            rows: ranked.map(([key, a]) => [
              key,
              String(a.count),
              `${round1((a.count / keyed) * 100)}%`,
              String(Math.round(a.count / seconds)),
              mainCommand(a.commands),
            ]),
          },
        ]
      : [],
    notes,
  };
}

/**
 * Which keys take the most traffic, by the cheapest method the server allows:
 * - maxmemory-policy is LFU → `SCAN cursor COUNT n` + pipelined `OBJECT FREQ` (O(1) per key, read-only, does not
 *   touch the counters) over at most `maxKeys` keys of the connection's database: what `redis-cli --hotkeys` does,
 *   on a connection of our own, paced by the node's load like the largest-keys scan (`INFO stats cpu clients
 *   commandstats` every 250 ms: 192 keys a write while the node is idle, 7 once others use it, fewer or none when
 *   its main thread is busy). Confidence high.
 * - else `MONITOR` on a dedicated connection for at most `maxSeconds` (default 2 s) and `maxLines` (default 20,000),
 *   aggregated by each command's first key (`COMMAND INFO` once for the command names seen); the bot's own
 *   connection is not counted. MONITOR costs throughput while it runs (every command is copied to the monitor).
 *   Confidence medium: a sample. `allowMonitor: false` skips it.
 * - else (or when MONITOR is refused) two `INFO commandstats` readings `maxSeconds` apart: hottest commands, no key
 *   names. Confidence low.
 * `CLIENT INFO` (O(1)) finds the bot's own address; `INFO memory` (O(1)) the policy; `DBSIZE` (O(1)).
 * Not `heavy`: it must run on the primary, since a replica's LFU counters and MONITOR only see the replica's traffic.
 */
export const hotKeysProbe: Probe<typeof ParamsSchema> = {
  name: 'hot-keys',
  title: 'Hot keys',
  commands:
    'INFO memory; LFU policy: SCAN COUNT n + pipelined OBJECT FREQ on at most maxKeys keys, paced by the load (INFO ' +
    'stats cpu clients commandstats every 250 ms); else MONITOR on a ' +
    'dedicated connection for at most maxSeconds/maxLines (+ COMMAND INFO once) — costs throughput while it runs; ' +
    'else INFO commandstats twice',
  paramsSchema: ParamsSchema,
  async run(ctx, p): Promise<ProbeResult> {
    const policy = parseInfo(await ctx.client.info('memory')).maxmemory_policy ?? 'unknown';
    const fallbacks: string[] = [];
    let method: Method | undefined;
    let result: ProbeResult | undefined;
    if (policy.includes('lfu')) {
      try {
        result = await sampleLfu(ctx, p);
        method = 'lfu-object-freq';
      } catch (err) {
        fallbacks.push(`OBJECT FREQ sampling failed (${errorMessage(err)})`);
      }
    }
    if (!result && p.allowMonitor) {
      try {
        result = await monitorSample(ctx, p);
        method = 'monitor-sample';
      } catch (err) {
        fallbacks.push(`MONITOR failed (${errorMessage(err)})`);
      }
    }
    if (!result || !method) {
      const why = [
        policy.includes('lfu') ? '' : `maxmemory-policy is ${policy}, not an LFU policy`,
        p.allowMonitor ? '' : 'MONITOR is not allowed (allowMonitor: false)',
        ...fallbacks,
      ]
        .filter(Boolean)
        .join('; ');
      result = await sampleCommandStats(ctx, p, why);
      method = 'commandstats';
    }
    result.metrics['hot_keys.method'] = method;
    result.metrics['hot_keys.confidence'] = CONFIDENCE[method];
    result.metrics['hot_keys.policy'] = policy;
    result.figures.unshift(
      { label: 'method', value: `${method} (confidence ${CONFIDENCE[method]})` },
      { label: 'maxmemory_policy', value: policy },
    );
    result.notes.push(...fallbacks.map((f) => `fell back: ${f}`));
    return result;
  },
};

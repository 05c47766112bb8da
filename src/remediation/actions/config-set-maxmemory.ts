import { z } from 'zod';
import { formatBytes } from '../../kernel/bytes.js';
import { num, parseInfo } from '../../kernel/info.js';
import type { RemediationAction } from '../action.js';

const ParamsSchema = z
  .object({
    /** maxmemory seen when the proposal was made; the action refuses to run if someone changed it since. */
    fromBytes: z.number().int().positive(),
    toBytes: z.number().int().positive(),
  })
  .strict()
  .refine((p) => p.toBytes > p.fromBytes, 'toBytes must be above fromBytes');

const PlanOptionsSchema = z
  .object({
    /** Raise by this share of the current maxmemory. */
    raisePercent: z.number().min(1).max(100).default(20),
    /** Never raise past this share of the host's memory. */
    maxOfSystemMemoryPercent: z.number().min(10).max(95).default(75),
  })
  .strict();

/**
 * `CONFIG SET maxmemory <bytes>`: a bounded raise (default +20 %), only when maxmemory is set and the host has
 * headroom (the new limit stays under 75 % of total_system_memory). Verified with `CONFIG GET maxmemory`.
 */
export const configSetMaxmemoryAction: RemediationAction<typeof ParamsSchema> = {
  name: 'config-set-maxmemory',
  title: 'Raise maxmemory',
  paramsSchema: ParamsSchema,
  planOptionsSchema: PlanOptionsSchema,
  workloads: ['cache', 'session', 'queue'],
  risk: 'more memory for Redis on the host; does not persist to redis.conf (CONFIG REWRITE is left to the operator)',
  plan(metrics, options) {
    const o = PlanOptionsSchema.parse(options);
    const from = Number(metrics['memory.maxmemory_bytes'] ?? 0);
    const system = Number(metrics['memory.total_system_memory_bytes'] ?? 0);
    if (!from) return undefined; // no limit set: raising "unlimited" makes no sense
    let to = Math.round(from * (1 + o.raisePercent / 100));
    if (system > 0) to = Math.min(to, Math.floor((system * o.maxOfSystemMemoryPercent) / 100));
    if (to <= from) return undefined; // no headroom on the host
    return { fromBytes: from, toBytes: to };
  },
  command: (p) => `CONFIG SET maxmemory ${p.toBytes}   (${formatBytes(p.fromBytes)} → ${formatBytes(p.toBytes)})`,
  async precondition(ctx, p) {
    const [, current] = (await ctx.client.config('GET', 'maxmemory')) as [string, string];
    const mem = parseInfo(await ctx.client.info('memory'));
    const before = { maxmemory: Number(current), used_memory: num(mem, 'used_memory') ?? 0 };
    if (Number(current) !== p.fromBytes) {
      return {
        ok: false,
        reason: `maxmemory is now ${formatBytes(Number(current))}, not ${formatBytes(p.fromBytes)} as proposed; re-run the diagnosis`,
        before,
      };
    }
    return { ok: true, reason: `maxmemory is still ${formatBytes(p.fromBytes)}`, before };
  },
  async execute(ctx, p) {
    return String(await ctx.client.config('SET', 'maxmemory', String(p.toBytes)));
  },
  async observe(ctx, p) {
    const [, current] = (await ctx.client.config('GET', 'maxmemory')) as [string, string];
    return {
      applied: Number(current) === p.toBytes,
      summary: `maxmemory is now ${formatBytes(Number(current))}`,
      figures: { maxmemory: Number(current) },
    };
  },
  async verify(ctx, p, before) {
    const [, current] = (await ctx.client.config('GET', 'maxmemory')) as [string, string];
    const mem = parseInfo(await ctx.client.info('memory'));
    const used = num(mem, 'used_memory') ?? 0;
    const after = { maxmemory: Number(current), used_memory: used };
    const ok = Number(current) === p.toBytes;
    return {
      ok,
      summary: ok
        ? `maxmemory ${formatBytes(Number(before.maxmemory))} → ${formatBytes(Number(current))}; used ${formatBytes(used)} (${Math.round((used / Number(current)) * 100)}% of the new limit)`
        : `maxmemory reads ${formatBytes(Number(current))}, expected ${formatBytes(p.toBytes)}`,
      after,
    };
  },
};

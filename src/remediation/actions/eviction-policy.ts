import { z } from 'zod';
import { num, parseInfo } from '../../kernel/info.js';
import type { ActionContext, Figures, RemediationAction } from '../action.js';

const TO = z.enum(['allkeys-lru', 'allkeys-lfu']);

const ParamsSchema = z
  .object({
    /** The only policy this action switches away from. */
    from: z.literal('noeviction'),
    to: TO,
  })
  .strict();

const PlanOptionsSchema = z.object({ to: TO.default('allkeys-lru') }).strict();

async function policyFigures(ctx: ActionContext): Promise<Figures> {
  const [, policy] = (await ctx.client.config('GET', 'maxmemory-policy')) as [string, string];
  const mem = parseInfo(await ctx.client.info('memory'));
  const stats = parseInfo(await ctx.client.info('stats'));
  return {
    maxmemory_policy: policy,
    used_memory: num(mem, 'used_memory') ?? 0,
    maxmemory: num(mem, 'maxmemory') ?? 0,
    evicted_keys: num(stats, 'evicted_keys') ?? 0,
  };
}

/**
 * `CONFIG SET maxmemory-policy allkeys-lru` (or `allkeys-lfu`) on a cache that is at its limit under `noeviction`,
 * where writes fail with OOM. Caches only: evicting sessions, rate-limit counters, locks or queued jobs loses data
 * that cannot be rebuilt (DOMAIN.md "Workload classes"), so `workloads` is `['cache']` and the precondition checks
 * the target's class again. Planned only when the measured policy is noeviction and maxmemory is set (without a
 * limit no policy ever evicts). Verified with `CONFIG GET maxmemory-policy`.
 */
export const evictionPolicyAction: RemediationAction<typeof ParamsSchema> = {
  name: 'eviction-policy',
  title: 'Let the cache evict (maxmemory-policy)',
  paramsSchema: ParamsSchema,
  planOptionsSchema: PlanOptionsSchema,
  workloads: ['cache'],
  risk: 'Redis starts evicting keys at maxmemory: cache misses rise while writes succeed again; not persisted to redis.conf',
  plan(metrics, options) {
    const o = PlanOptionsSchema.parse(options);
    if (metrics['memory.policy'] !== 'noeviction') return undefined;
    const max = metrics['memory.maxmemory_bytes'];
    if (max !== undefined && Number(max) <= 0) return undefined;
    return { from: 'noeviction', to: o.to };
  },
  command: (p) => `CONFIG SET maxmemory-policy ${p.to}   (${p.from} → ${p.to})`,
  async precondition(ctx, p) {
    const before = await policyFigures(ctx);
    if (ctx.target.workload !== 'cache') {
      return {
        ok: false,
        reason: `${ctx.target.name} holds ${ctx.target.workload} data: an evicting policy would drop it`,
        before,
      };
    }
    if (before.maxmemory_policy !== p.from) {
      return {
        ok: false,
        reason: `maxmemory-policy is now ${before.maxmemory_policy}, not ${p.from}; re-run the diagnosis`,
        before,
      };
    }
    return { ok: true, reason: `maxmemory-policy is still ${p.from} on a cache`, before };
  },
  async execute(ctx, p) {
    return String(await ctx.client.config('SET', 'maxmemory-policy', p.to));
  },
  async verify(ctx, p, before) {
    const after = await policyFigures(ctx);
    const ok = after.maxmemory_policy === p.to;
    return {
      ok,
      summary: ok
        ? `maxmemory-policy ${before.maxmemory_policy} → ${after.maxmemory_policy}; evicted_keys ${before.evicted_keys} → ${after.evicted_keys}. Watch the hit ratio.`
        : `maxmemory-policy reads ${after.maxmemory_policy}, expected ${p.to}`,
      after,
    };
  },
};

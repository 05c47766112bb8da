import { z } from 'zod';
import { formatBytes } from '../../kernel/bytes.js';
import { num, parseInfo } from '../../kernel/info.js';
import type { Figures, RemediationAction } from '../action.js';

const ParamsSchema = z.object({ minRatio: z.number().min(1).default(1.5) }).strict();

async function memoryFigures(client: import('ioredis').Redis): Promise<Figures> {
  const mem = parseInfo(await client.info('memory'));
  return {
    used_memory: num(mem, 'used_memory') ?? 0,
    used_memory_rss: num(mem, 'used_memory_rss') ?? 0,
    mem_fragmentation_ratio: num(mem, 'mem_fragmentation_ratio') ?? 0,
    mem_fragmentation_bytes: num(mem, 'mem_fragmentation_bytes') ?? 0,
  };
}

/**
 * `MEMORY PURGE`: asks jemalloc to return dirty pages to the OS. Brief latency; often helps little (DOMAIN.md),
 * so verification compares RSS and the ratio before and after and says so when nothing changed.
 */
export const memoryPurgeAction: RemediationAction<typeof ParamsSchema> = {
  name: 'memory-purge',
  title: 'Release fragmented memory (MEMORY PURGE)',
  paramsSchema: ParamsSchema,
  /** `minRatio`: the precondition re-checks that fragmentation is still above it (default 1.5). */
  planOptionsSchema: z.object({ minRatio: z.number().min(1).max(100).optional() }).strict(),
  workloads: ['cache', 'session', 'queue'],
  risk: 'brief latency while the allocator releases pages; no data is touched',
  plan(_metrics, options) {
    return ParamsSchema.parse({ minRatio: options.minRatio ?? 1.5 });
  },
  command: () => 'MEMORY PURGE',
  async precondition(ctx, params) {
    const before = await memoryFigures(ctx.client);
    const ratio = Number(before.mem_fragmentation_ratio);
    return ratio > params.minRatio
      ? { ok: true, reason: `fragmentation ratio ${ratio.toFixed(2)} > ${params.minRatio}`, before }
      : { ok: false, reason: `fragmentation ratio is now ${ratio.toFixed(2)}, not above ${params.minRatio}`, before };
  },
  async execute(ctx) {
    return String(await ctx.client.call('MEMORY', 'PURGE'));
  },
  async verify(ctx, _params, before) {
    const after = await memoryFigures(ctx.client);
    const rssBefore = Number(before.used_memory_rss);
    const rssAfter = Number(after.used_memory_rss);
    const freed = rssBefore - rssAfter;
    const ratioText = `ratio ${Number(before.mem_fragmentation_ratio).toFixed(2)} → ${Number(after.mem_fragmentation_ratio).toFixed(2)}`;
    // Less than 5 % of RSS back is not relief; say so rather than report success.
    const helped = rssBefore > 0 && freed / rssBefore >= 0.05;
    return {
      ok: helped,
      summary: helped
        ? `RSS ${formatBytes(rssBefore)} → ${formatBytes(rssAfter)} (${formatBytes(freed)} released), ${ratioText}`
        : `did not help much: RSS ${formatBytes(rssBefore)} → ${formatBytes(rssAfter)}, ${ratioText}; consider a planned restart or failover`,
      after,
    };
  },
};

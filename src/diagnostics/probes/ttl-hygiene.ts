import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { parseInfo, parseKeyspaceValue } from '../../kernel/info.js';
import type { Probe, ProbeResult } from '../probe.js';

const ParamsSchema = z
  .object({
    /** Keys sampled for the per-prefix no-TTL breakdown; the whole-instance share comes from INFO keyspace. */
    sampleKeys: z.number().int().min(0).max(1_000_000).default(20_000),
    batchSize: z.number().int().min(10).max(5000).default(500),
    pauseMs: z.number().min(0).max(1000).default(1),
    prefixDelimiter: z.string().min(1).max(4).default(':'),
  })
  .strict();

function prefixOf(key: string, delimiter: string): string {
  const i = key.indexOf(delimiter);
  return i > 0 ? `${key.slice(0, i + delimiter.length)}*` : '(no prefix)';
}

/**
 * How many keys never expire, overall and by key prefix. Unbounded keys without TTL are the usual cause of memory
 * that only grows. Commands: `INFO keyspace` (O(1)); `SCAN cursor COUNT batchSize` + pipelined `PTTL` (O(1) per key)
 * over at most `sampleKeys` keys, with a pause between batches.
 */
export const ttlHygieneProbe: Probe<typeof ParamsSchema> = {
  name: 'ttl-hygiene',
  heavy: true,
  title: 'TTL hygiene',
  commands: 'INFO keyspace (O(1)); SCAN COUNT n + pipelined PTTL on at most sampleKeys keys, paused between batches',
  paramsSchema: ParamsSchema,
  async run(ctx, p): Promise<ProbeResult> {
    const info = parseInfo(await ctx.client.info('keyspace'));
    let keys = 0;
    let expires = 0;
    for (const [field, value] of Object.entries(info)) {
      if (!/^db\d+$/.test(field)) continue;
      const kv = parseKeyspaceValue(value);
      keys += kv.keys ?? 0;
      expires += kv.expires ?? 0;
    }
    const noTtlPct = keys ? Math.round(((keys - expires) / keys) * 1000) / 10 : 0;

    const byPrefix = new Map<string, { total: number; noTtl: number }>();
    let sampled = 0;
    let cursor = '0';
    const deadline = Date.now() + Math.max(1000, ctx.timeoutMs - 500);
    do {
      if (ctx.signal?.aborted || Date.now() > deadline) break;
      const [next, batch] = await ctx.client.scan(cursor, 'COUNT', p.batchSize);
      cursor = next;
      const slice = batch.slice(0, p.sampleKeys - sampled);
      if (slice.length) {
        const pipe = ctx.client.pipeline();
        for (const k of slice) pipe.pttl(k);
        const results = (await pipe.exec()) ?? [];
        slice.forEach((k, i) => {
          const ttl = results[i]?.[1];
          if (ttl === -2) return; // vanished since SCAN
          const prefix = prefixOf(k, p.prefixDelimiter);
          const agg = byPrefix.get(prefix) ?? { total: 0, noTtl: 0 };
          agg.total += 1;
          if (ttl === -1) agg.noTtl += 1;
          byPrefix.set(prefix, agg);
          sampled += 1;
        });
      }
      if (p.pauseMs > 0) await sleep(p.pauseMs);
    } while (cursor !== '0' && sampled < p.sampleKeys);

    const rows = [...byPrefix.entries()]
      .filter(([, a]) => a.noTtl > 0)
      .sort((a, b) => b[1].noTtl - a[1].noTtl)
      .slice(0, 10);
    const top = rows[0];
    const metrics: ProbeResult['metrics'] = {
      'ttl_hygiene.keys': keys,
      'ttl_hygiene.expires': expires,
      'ttl_hygiene.no_ttl_keys': keys - expires,
      'ttl_hygiene.no_ttl_pct': noTtlPct,
      'ttl_hygiene.sampled': sampled,
    };
    if (top) {
      metrics['ttl_hygiene.top_no_ttl_prefix'] = top[0];
      metrics['ttl_hygiene.top_no_ttl_prefix_keys'] = top[1].noTtl;
    }
    const notes: string[] = [];
    if (sampled < keys) notes.push(`prefix breakdown from a sample of ${sampled} of ${keys} keys`);
    return {
      metrics,
      figures: [
        { label: 'keys', value: String(keys) },
        { label: 'keys with TTL (expires)', value: String(expires) },
        { label: 'keys without TTL', value: `${keys - expires} (${noTtlPct}%)` },
      ],
      tables: rows.length
        ? [
            {
              title: 'Keys without TTL by prefix (sampled)',
              columns: ['prefix', 'no TTL', 'sampled', 'share'],
              rows: rows.map(([prefix, a]) => [
                prefix,
                String(a.noTtl),
                String(a.total),
                `${Math.round((a.noTtl / a.total) * 100)}%`,
              ]),
            },
          ]
        : [],
      notes,
    };
  },
};

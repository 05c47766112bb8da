import type { Redis } from 'ioredis';
import { parseInfo } from '../kernel/info.js';

/** The big key the demo and the tests plant; findings must name it. */
export const PLANTED_KEY = 'report:cache:2026-11:full';

/**
 * Puts a throwaway Redis under memory pressure the way incidents look in practice: thousands of small keys under
 * a few prefixes (sessions with TTLs, cache entries without), one planted big hash, then `maxmemory` set so usage is
 * `usedPct` of it (noeviction, so writes would start failing). Returns the figures set up.
 */
export async function applyMemoryPressure(
  client: Redis,
  o: { usedPct?: number; bigKeyBytes?: number } = {},
): Promise<{ usedBytes: number; maxmemory: number }> {
  const usedPct = o.usedPct ?? 92;
  const bigKeyBytes = o.bigKeyBytes ?? 4 * 1024 * 1024;
  const p = client.pipeline();
  for (let i = 0; i < 3000; i++) p.set(`session:${i}`, `{"user":${i},"cart":[${i % 7}]}`, 'EX', 3600);
  for (let i = 0; i < 4000; i++) p.set(`cache:product:${i}`, 'x'.repeat(200 + (i % 50)));
  for (let i = 0; i < 500; i++) p.hset(`user:${i}`, 'name', `user-${i}`, 'plan', i % 3 ? 'free' : 'pro');
  await p.exec();
  const fields = Math.ceil(bigKeyBytes / 1024);
  const chunk = 'y'.repeat(1000);
  for (let start = 0; start < fields; start += 500) {
    const args: string[] = [];
    for (let f = start; f < Math.min(fields, start + 500); f++) args.push(`row:${f}`, chunk);
    await client.hset(PLANTED_KEY, ...args);
  }
  const usedBytes = Number(parseInfo(await client.info('memory')).used_memory);
  const maxmemory = Math.ceil(usedBytes / (usedPct / 100));
  await client.config('SET', 'maxmemory-policy', 'noeviction');
  await client.config('SET', 'maxmemory', String(maxmemory));
  return { usedBytes, maxmemory };
}

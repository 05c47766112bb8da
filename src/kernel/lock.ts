import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AppError } from './errors.js';

// Release only if we still hold it: a lock that expired and was taken by someone else must not be deleted.
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * Runs `fn` while holding `SET key token NX PX ttl` (DOMAIN.md "Distributed lock"). Throws LOCK_BUSY when another
 * holder has it, so a queue job can retry later instead of waiting in a loop.
 */
export async function withLock<T>(redis: Redis, key: string, ttlMs: number, fn: () => Promise<T>): Promise<T> {
  const token = randomUUID();
  const ok = await redis.set(key, token, 'PX', ttlMs, 'NX');
  if (ok !== 'OK') throw new AppError('LOCK_BUSY', `lock ${key} is held`);
  try {
    return await fn();
  } finally {
    await redis.eval(RELEASE, 1, key, token);
  }
}

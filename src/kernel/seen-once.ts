import type { Redis } from 'ioredis';
import { whenRedisReady } from './redis-availability.js';

/** How long a marker may wait for a reconnecting state Redis before the caller is told it is unavailable. */
const READY_WAIT_MS = 1000;

/**
 * "Have we seen this before?" kept in the state Redis with `SET key 1 EX ttl NX`, so the answer holds across
 * replicas and restarts: the first caller for a key within `ttl` gets true, every later one false. Used to drop
 * replayed Slack requests. Rejects (STATE_UNAVAILABLE, or the connection's own error) when the state Redis cannot
 * answer; the caller decides what that means.
 */
export class SeenOnce {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** True the first time `key` is marked within `ttlSeconds`, false for every repeat. */
  async first(key: string, ttlSeconds: number): Promise<boolean> {
    await whenRedisReady(this.redis, READY_WAIT_MS);
    return (await this.redis.set(`${this.prefix}:seen:${key}`, '1', 'EX', ttlSeconds, 'NX')) === 'OK';
  }
}

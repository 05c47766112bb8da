import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from './logger.js';

// Holders live in a sorted set scored by when their lease runs out, on the server's clock (TIME), so replicas with
// skewed clocks agree. Expired holders (a worker that died) are dropped before counting. One script per change, so
// two replicas cannot both take the last place.
const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;
const ACQUIRE = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;
const RENEW = `${NOW}
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

/** One place held in a {@link LeaseSemaphore}; renewed in the background until released. */
export interface Lease {
  release(): Promise<void>;
}

/**
 * At most `limit` holders per key at once, across every process sharing the state Redis. A place is a lease: it
 * expires `leaseMs` after its last renewal, and is renewed every third of that while held, so a holder that dies
 * (SIGKILL, lost host) frees its place within `leaseMs` without anyone releasing it.
 */
export class LeaseSemaphore {
  constructor(
    private readonly redis: Redis,
    private readonly opts: { limit: number; leaseMs: number; logger?: Logger },
  ) {}

  /** Takes a place under `key`, or returns undefined at once when all `limit` are held. */
  async tryAcquire(key: string): Promise<Lease | undefined> {
    const token = randomUUID();
    const { limit, leaseMs, logger } = this.opts;
    const got = await this.redis.eval(ACQUIRE, 1, key, token, limit, leaseMs);
    if (got !== 1) return undefined;
    const timer = setInterval(
      () => {
        this.redis.eval(RENEW, 1, key, token, leaseMs).then(
          (held) => {
            if (held !== 1) logger?.warn({ key }, 'semaphore lease lost before release');
          },
          (err: unknown) => logger?.warn({ key, err }, 'semaphore lease renewal failed'),
        );
      },
      Math.max(1, Math.floor(leaseMs / 3)),
    );
    return {
      // Never throws: a place that cannot be given back (state Redis down) expires with its lease.
      release: async () => {
        clearInterval(timer);
        await this.redis
          .zrem(key, token)
          .catch((err: unknown) => logger?.warn({ key, err }, 'semaphore release failed'));
      },
    };
  }

  /** How many places under `key` are held now (expired leases not counted). */
  async held(key: string): Promise<number> {
    const [seconds, micros] = await this.redis.time();
    const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    return this.redis.zcount(key, now, '+inf');
  }
}

import type { Redis } from 'ioredis';

// Sliding window in a sorted set: drop entries older than the window, count, add this one if under the limit.
// One script so concurrent replicas cannot both squeeze in the last slot.
const SCRIPT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1] - ARGV[2])
local n = redis.call('ZCARD', KEYS[1])
if n >= tonumber(ARGV[3]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, tonumber(oldest[2]) + tonumber(ARGV[2]) - tonumber(ARGV[1])}
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {1, 0}
`;

export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

/** A per-key sliding-window limit kept in the state Redis, so it holds across replicas and restarts. */
export class RateLimiter {
  private seq = 0;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  async take(key: string, now = Date.now()): Promise<RateDecision> {
    const member = `${now}-${process.pid}-${this.seq++}`;
    const [ok, retry] = (await this.redis.eval(
      SCRIPT,
      1,
      `${this.prefix}:ratelimit:${key}`,
      now,
      this.windowMs,
      this.max,
      member,
    )) as [number, number];
    return ok === 1 ? { allowed: true } : { allowed: false, retryAfterMs: Math.max(0, retry) };
  }
}

import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisProcess, startRedis } from '../../../src/devtools/redis-process.js';
import { waitUntil } from '../../../src/devtools/wait-until.js';
import { LeaseSemaphore } from '../../../src/kernel/semaphore.js';

/** The lease semaphore on a real redis-server, with two clients standing in for two bot replicas. */
describe('LeaseSemaphore', () => {
  let redis: RedisProcess;
  let a: Redis;
  let b: Redis;
  let n = 0;
  const key = () => `sem-test:${n++}`;

  beforeAll(async () => {
    redis = await startRedis();
    a = redis.client();
    b = redis.client();
  });

  afterAll(async () => {
    await redis.stop();
  });

  it('gives out at most `limit` places per key across clients, and a released place again', async () => {
    const k = key();
    const onA = new LeaseSemaphore(a, { limit: 2, leaseMs: 30_000 });
    const onB = new LeaseSemaphore(b, { limit: 2, leaseMs: 30_000 });
    const first = await onA.tryAcquire(k);
    const second = await onB.tryAcquire(k);
    expect(first).toBeDefined();
    expect(second).toBeDefined();
    expect(await onA.tryAcquire(k)).toBeUndefined();
    expect(await onB.tryAcquire(k)).toBeUndefined();
    // Another key is another semaphore.
    const other = await onA.tryAcquire(key());
    expect(other).toBeDefined();
    expect(await onB.held(k)).toBe(2);
    await first?.release();
    expect(await onB.held(k)).toBe(1);
    const third = await onB.tryAcquire(k);
    expect(third).toBeDefined();
    await Promise.all([second?.release(), third?.release(), other?.release()]);
    expect(await onA.held(k)).toBe(0);
  });

  it('renews a held lease, so its expiry moves forward while the holder lives', async () => {
    const k = key();
    const sem = new LeaseSemaphore(a, { limit: 1, leaseMs: 300 });
    const lease = await sem.tryAcquire(k);
    const [, firstExpiry] = (await b.zrange(k, '0', '0', 'WITHSCORES')) as [string, string];
    await waitUntil(
      async () => {
        const [, expiry] = (await b.zrange(k, '0', '0', 'WITHSCORES')) as [string, string];
        return Number(expiry) > Number(firstExpiry);
      },
      { what: 'a renewal', intervalMs: 20 },
    );
    expect(await sem.tryAcquire(k)).toBeUndefined();
    await lease?.release();
  });

  it("frees a dead holder's place when its lease runs out, without a release", async () => {
    const k = key();
    const doomed = new Redis(redis.port, '127.0.0.1');
    const held = await new LeaseSemaphore(doomed, { limit: 1, leaseMs: 300 }).tryAcquire(k);
    expect(held).toBeDefined();
    // The holder's connection dies: no renewal, no release (its renewal timer stays, failing, until cleaned up).
    doomed.disconnect();
    const survivor = new LeaseSemaphore(b, { limit: 1, leaseMs: 30_000 });
    expect(await survivor.tryAcquire(k)).toBeUndefined();
    const taken = await waitUntil(() => survivor.tryAcquire(k), { what: 'the expired place', intervalMs: 50 });
    await taken.release();
    await held?.release();
  });
});

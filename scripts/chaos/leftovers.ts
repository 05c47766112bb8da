import type { Redis } from 'ioredis';

/**
 * What the run left in the state Redis besides incidents: the outbox's owed effects (once the bot has an outbox)
 * and permanently failed jobs BullMQ keeps, by queue. Informational; empty when the state Redis cannot be read.
 */
export async function stateLeftovers(redis: Redis, prefix: string): Promise<string[]> {
  try {
    const owed = await redis.keys(`${prefix}:outbox:owed:*`);
    const counts = await Promise.all(owed.map(async (k) => `${k.split(':').pop()} ${await redis.zcard(k)}`));
    const failed = await redis.keys(`${prefix}:*:failed`);
    const jobs = await Promise.all(failed.map(async (k) => `${k.split(':')[1]} ${await redis.zcard(k)}`));
    return [
      ...(counts.length ? [`outbox still owed: ${counts.join(', ')}`] : []),
      `failed jobs kept: ${jobs.join(', ') || 'none'}`,
    ];
  } catch {
    return [];
  }
}

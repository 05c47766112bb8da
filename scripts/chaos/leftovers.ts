import type { Redis } from 'ioredis';
import { Outbox } from '../../src/slack/delivery/outbox.js';

/**
 * What the run left in the state Redis besides incidents: the Slack outbox's owed effects and dead letters, and the
 * permanently failed jobs BullMQ keeps, by queue. Informational; empty when the state Redis cannot be read.
 */
export async function stateLeftovers(redis: Redis, prefix: string): Promise<string[]> {
  try {
    const outbox = new Outbox(redis, prefix);
    const [backlog, dead] = await Promise.all([outbox.backlog(), outbox.deadCount()]);
    const owed = backlog.map(
      (b) => `${b.kind} ${b.count}${b.count ? ` (oldest ${Math.round(b.oldestAgeSeconds)} s)` : ''}`,
    );
    const failed = await redis.keys(`${prefix}:*:failed`);
    const jobs = await Promise.all(failed.map(async (k) => `${k.split(':')[1]} ${await redis.zcard(k)}`));
    return [
      `outbox still owed: ${owed.join(', ')}; dead letters ${dead}`,
      `failed jobs kept: ${jobs.join(', ') || 'none'}`,
    ];
  } catch {
    return [];
  }
}

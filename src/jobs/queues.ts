import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Enqueue } from '../kernel/enqueue.js';
import { whenRedisReady } from '../kernel/redis-availability.js';
import { JOBS, type JobDataByName, type JobName, QUEUE_NAMES, type QueueName } from './catalog.js';

/** How long an enqueue waits for a reconnecting state Redis before giving up (the web edge then answers 503). */
export const ENQUEUE_READY_WAIT_MS = 1000;
/** A state Redis that is connected but does not answer (stopped, overloaded) fails an enqueue after this long. */
export const PRODUCER_COMMAND_TIMEOUT_MS = 1500;

/**
 * The connection producers enqueue on. Unlike the workers' blocking connection (which must reconnect and wait
 * forever), an enqueue answers someone (Alertmanager, a person in Slack) and must fail fast when the state Redis is
 * away: no offline queue (a command while disconnected fails at once instead of waiting for the reconnect), one
 * retry for a command caught by a disconnect, and a per-command timeout for a Redis that stopped answering.
 */
export function producerConnection(url: string): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: PRODUCER_COMMAND_TIMEOUT_MS,
  });
}

/** Producers for every job kind; `add` validates job data before it reaches Redis. */
export class Queues implements Enqueue<JobDataByName> {
  private readonly queues = new Map<QueueName, Queue>();
  private readonly connection: Redis;
  /** Set when the queues made their connection themselves (from a URL) and so close it. */
  private readonly owned: boolean;

  /**
   * `connection` should be a {@link producerConnection} (BullMQ waits for it to be ready before the first add), or
   * `{ url }` for one the queues open and close themselves. `onError` hears the queues' connection errors (BullMQ
   * prints them to stderr when nobody listens).
   */
  constructor(
    connection: Redis | { url: string },
    prefix: string,
    onError: (queue: QueueName, err: Error) => void = () => {},
  ) {
    this.owned = !(connection instanceof Redis);
    this.connection = connection instanceof Redis ? connection : producerConnection(connection.url);
    for (const name of QUEUE_NAMES) {
      const queue = new Queue(name, { connection: this.connection, prefix });
      queue.on('error', (err) => onError(name, err));
      this.queues.set(name, queue);
    }
  }

  /**
   * Enqueues a `name` job on its catalog queue with its catalog attempts; `jobId` makes the enqueue idempotent
   * (BullMQ ignores a second add with the same id). Rejects with STATE_UNAVAILABLE within about a second when the
   * state Redis is not connected, rather than waiting for it to come back.
   */
  async add<N extends JobName>(name: N, data: JobDataByName[N], jobId?: string): Promise<string> {
    const spec = JOBS[name];
    const valid = spec.schema.parse(data);
    await whenRedisReady(this.connection, ENQUEUE_READY_WAIT_MS);
    const job = await this.get(spec.queue).add(name, valid, {
      jobId,
      attempts: spec.attempts,
      backoff: { type: 'exponential', delay: 500 },
      removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
      removeOnFail: { age: 30 * 24 * 3600 },
    });
    return job.id ?? '';
  }

  get(name: QueueName): Queue {
    const q = this.queues.get(name);
    if (!q) throw new Error(`no queue ${name}`);
    return q;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    if (this.owned) await this.connection.quit().catch(() => this.connection.disconnect());
  }
}

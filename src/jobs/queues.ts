import { type ConnectionOptions, Queue } from 'bullmq';
import { JOBS, type JobData, type JobName, QUEUE_NAMES, type QueueName } from './catalog.js';

/** Producers for every job kind; `add` validates job data before it reaches Redis. */
export class Queues {
  private readonly queues = new Map<QueueName, Queue>();

  constructor(connection: ConnectionOptions, prefix: string) {
    for (const name of QUEUE_NAMES) this.queues.set(name, new Queue(name, { connection, prefix }));
  }

  /**
   * Enqueues a `name` job on its catalog queue with its catalog attempts; `jobId` makes the enqueue idempotent
   * (BullMQ ignores a second add with the same id).
   */
  async add<N extends JobName>(name: N, data: JobData<N>, jobId?: string): Promise<string> {
    const spec = JOBS[name];
    const valid = spec.schema.parse(data);
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
  }
}

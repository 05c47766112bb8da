import { type ConnectionOptions, type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Logger } from '../kernel/logger.js';
import { withTimeout } from '../kernel/timeout.js';
import { JOBS, type JobData, QUEUE_NAMES, type QueueName } from './catalog.js';

/** Producers for every queue; `add` validates job data before it reaches Redis. */
export class Queues {
  private readonly queues = new Map<QueueName, Queue>();

  constructor(connection: ConnectionOptions, prefix: string) {
    for (const name of QUEUE_NAMES) this.queues.set(name, new Queue(name, { connection, prefix }));
  }

  /** Enqueues a job; `jobId` makes the enqueue idempotent (BullMQ ignores a second add with the same id). */
  async add<Q extends QueueName>(name: Q, data: JobData<Q>, jobId?: string): Promise<string> {
    const spec = JOBS[name];
    const valid = spec.schema.parse(data);
    const queue = this.queues.get(name);
    if (!queue) throw new Error(`no queue ${name}`);
    const job = await queue.add(name, valid, {
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

export type Processor<Q extends QueueName> = (data: JobData<Q>, job: Job, logger: Logger) => Promise<unknown>;

/**
 * Starts a worker whose processor receives validated data. Invalid data is an UnrecoverableError (retrying cannot
 * fix it); errors are logged once here, the one handler for the queues.
 */
export function startWorker<Q extends QueueName>(
  name: Q,
  processor: Processor<Q>,
  opts: { connection: ConnectionOptions; prefix: string; logger: Logger; concurrency?: number },
): Worker {
  const spec = JOBS[name];
  const worker = new Worker(
    name,
    async (job) => {
      const parsed = spec.schema.safeParse(job.data);
      const log = opts.logger.child({ queue: name, jobId: job.id });
      if (!parsed.success) {
        log.error({ issues: parsed.error.issues }, 'invalid job data');
        throw new UnrecoverableError(`invalid ${name} job data: ${parsed.error.message}`);
      }
      // A job that hangs (a target that stops answering mid-probe) must not hold a worker slot forever.
      return withTimeout(processor(parsed.data as JobData<Q>, job, log), spec.timeoutMs, `${name} job ${job.id}`);
    },
    { connection: opts.connection, prefix: opts.prefix, concurrency: opts.concurrency ?? 4 },
  );
  worker.on('failed', (job, err) => {
    opts.logger.error({ queue: name, jobId: job?.id, attemptsMade: job?.attemptsMade, err }, 'job failed');
  });
  worker.on('error', (err) => opts.logger.error({ queue: name, err }, 'worker error'));
  return worker;
}

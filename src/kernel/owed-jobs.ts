import type { ChainableCommander, Redis } from 'ioredis';
import type { Enqueue } from './enqueue.js';
import type { Logger } from './logger.js';

/**
 * Jobs a state change owes, recorded in the same MULTI as the change (hash `<prefix>:jobs:owed`, job id → {name,
 * data}) and enqueued after it commits. A crash or a state-Redis outage between the commit and the enqueue leaves
 * the job owed, not lost: the next `flush` (the retried job's, or the sweeper's every few seconds) enqueues it. The
 * job id makes enqueueing idempotent, so a job owed twice runs once.
 */
export class OwedJobs<Jobs> {
  /** The hash of owed jobs (job id → JSON {name, data}), for a Lua script that owes one atomically. */
  readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly queues: Enqueue<Jobs>,
  ) {
    this.key = `${prefix}:jobs:owed`;
  }

  oweIn<N extends keyof Jobs & string>(
    tx: ChainableCommander,
    name: N,
    data: Jobs[N],
    jobId: string,
  ): ChainableCommander {
    return tx.hset(this.key, jobId, OwedJobs.entry(name, data));
  }

  /** The hash value that owes a `name` job with `data`. */
  static entry(name: string, data: unknown): string {
    return JSON.stringify({ name, data });
  }

  /** Enqueues owed jobs (`ids`, or all of them) and forgets each once it is on its queue; resolves to how many. */
  async flush(ids?: readonly string[]): Promise<number> {
    const entries: Array<[string, string | null]> = ids
      ? ids.length > 0
        ? (await this.redis.hmget(this.key, ...ids)).map((v, i) => [ids[i] as string, v])
        : []
      : Object.entries(await this.redis.hgetall(this.key));
    let n = 0;
    for (const [jobId, raw] of entries) {
      if (!raw) continue;
      const { name, data } = JSON.parse(raw) as { name: keyof Jobs & string; data: Jobs[keyof Jobs & string] };
      await this.queues.add(name, data, jobId);
      await this.redis.hdel(this.key, jobId);
      n += 1;
    }
    return n;
  }

  /** Flushes every `intervalMs` (each worker process runs one); the returned function stops it. */
  startSweeper(logger: Logger, intervalMs: number): () => Promise<void> {
    let inFlight: Promise<unknown> = Promise.resolve();
    let quiet = false;
    const timer = setInterval(() => {
      inFlight = this.flush().then(
        (n) => {
          if (n > 0) logger.info({ jobs: n }, 'owed jobs enqueued by the sweeper');
          quiet = false;
        },
        (err: unknown) => {
          // The state Redis being away is reported by its connection; say it once per outage here.
          if (!quiet) logger.warn({ err }, 'owed jobs: could not enqueue; retrying');
          quiet = true;
        },
      );
    }, intervalMs);
    timer.unref();
    return async () => {
      clearInterval(timer);
      await inFlight;
    };
  }
}

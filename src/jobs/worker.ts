import { type ConnectionOptions, DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import { type AppErrorCode, isAppError } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import { withTimeout } from '../kernel/timeout.js';
import { JOBS, type JobName, QUEUE_NAMES, QUEUES, type QueueName, resolveJobName } from './catalog.js';
import type { JobHandler, JobHandlers } from './handlers.js';

/** What the workers record of each finished job (`rib_jobs_total`, `rib_job_duration_seconds`); kernel's `Metrics` fits. */
export interface JobMetrics {
  job(queue: string, result: 'ok' | 'error' | 'deferred', seconds: number): void;
}

export interface ProcessDeps {
  handlers: JobHandlers;
  metrics: JobMetrics;
  logger: Logger;
}

export interface WorkerDeps extends ProcessDeps {
  connection: ConnectionOptions;
  prefix: string;
}

/**
 * What the dispatch reads from a BullMQ job; `moveToDelayed` lets a handler defer it, the attempt counters bound the
 * waits for a busy lock (all absent outside a worker: a test's plain object).
 */
export type TakenJob = Pick<Job, 'id' | 'name' | 'data'> &
  Partial<Pick<Job, 'moveToDelayed' | 'attemptsStarted' | 'attemptsMade'>>;

/** Error codes no retry can fix: the job fails at once instead of using up its attempts. */
const PERMANENT_CODES: readonly AppErrorCode[] = ['INCIDENT_NOT_FOUND', 'SLACK_API_REFUSED'];

/**
 * A job that finds its lock busy (another job of the same alert group is running) waits and runs again, without
 * using up an attempt: contention is normal, and a notification carrying a real change must not be dropped because
 * others held the lock. After this many waits (about three minutes) a busy lock counts as a failed attempt, so a
 * lock that never frees (a holder stuck until its TTL) still ends in the catalog's retries and then a failure.
 */
export const MAX_LOCK_WAITS = 100;

/** The wait before the `n`-th retry of a busy lock: 100 ms more each time up to 2 s, jittered so waiters spread. */
export function lockWaitDelay(n: number, random: () => number = Math.random): number {
  const base = Math.min(2000, 100 * Math.max(1, n));
  return Math.round(base * (0.75 + 0.5 * random()));
}

/**
 * Runs one job taken from `queue`: finds its catalog entry by job name, validates its data, calls its handler
 * under the catalog timeout and counts the outcome. An unknown job name, invalid data or a permanent error code
 * become BullMQ's UnrecoverableError (retrying cannot fix them).
 */
export async function processJob(queue: QueueName, job: TakenJob, d: ProcessDeps, token?: string): Promise<unknown> {
  const logger = d.logger.child({ queue, jobId: job.id, jobName: job.name });
  const name = resolveJobName(queue, job.name, job.data);
  if (!name) {
    logger.error('unknown job name');
    throw new UnrecoverableError(`no job ${job.name} on the ${queue} queue`);
  }
  try {
    return await runJob(name, queue, job, logger, d, token);
  } catch (err) {
    if (isAppError(err, 'LOCK_BUSY')) await waitForLock(job, token, err, logger);
    throw err;
  }
}

/**
 * Defers a job whose lock was busy (DelayedError: not a failure, no attempt used), unless it has waited
 * MAX_LOCK_WAITS times already or runs outside a worker; then it returns and the caller rethrows the busy lock.
 */
async function waitForLock(job: TakenJob, token: string | undefined, err: Error, logger: Logger): Promise<void> {
  if (!job.moveToDelayed || token === undefined) return;
  // attemptsStarted counts every run, attemptsMade only failed attempts: the rest, less this run, were lock waits.
  const waits = (job.attemptsStarted ?? 1) - 1 - (job.attemptsMade ?? 0);
  if (waits >= MAX_LOCK_WAITS) {
    logger.warn({ waits, lock: err.message }, 'lock still busy after every wait; counting a failed attempt');
    return;
  }
  const delayMs = lockWaitDelay(waits + 1);
  logger.debug({ waits: waits + 1, delayMs, lock: err.message }, 'lock busy; job waits and runs again');
  await deferJob(job, token, delayMs);
}

/**
 * Moves the job to the delayed set (BullMQ's manual delay: no attempt is used) and rejects with DelayedError, which
 * tells the worker the job is not finished and was not failed.
 */
async function deferJob(job: TakenJob, token: string | undefined, delayMs: number): Promise<never> {
  if (!job.moveToDelayed || !token) throw new Error(`job ${job.id} cannot be deferred outside a worker`);
  await job.moveToDelayed(Date.now() + delayMs, token);
  throw new DelayedError();
}

async function runJob<N extends JobName>(
  name: N,
  queue: QueueName,
  job: TakenJob,
  logger: Logger,
  d: ProcessDeps,
  token: string | undefined,
): Promise<unknown> {
  const spec = JOBS[name];
  const parsed = spec.schema.safeParse(job.data);
  if (!parsed.success) {
    logger.error({ issues: parsed.error.issues }, 'invalid job data');
    throw new UnrecoverableError(`invalid ${name} job data: ${parsed.error.message}`);
  }
  const handler: JobHandler<N> = d.handlers[name];
  const defer = (delayMs: number) => deferJob(job, token, delayMs);
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  const work = handler(parsed.data, { jobId: job.id, logger, defer }).then(
    (result) => {
      d.metrics.job(queue, 'ok', seconds());
      return result;
    },
    (err: unknown) => {
      // A deferred job has not finished: it is counted when it does. A busy lock is contention, not a failure:
      // the job runs again (see waitForLock).
      if (!(err instanceof DelayedError))
        d.metrics.job(queue, isAppError(err, 'LOCK_BUSY') ? 'deferred' : 'error', seconds());
      throw err;
    },
  );
  try {
    // A job that hangs (a target that stops answering mid-probe) must not hold a worker slot forever.
    return await withTimeout(work, spec.timeoutMs, `${name} job ${job.id}`);
  } catch (err) {
    if (isAppError(err) && PERMANENT_CODES.includes(err.code)) {
      throw new UnrecoverableError(`${err.code}: ${err.message}`);
    }
    throw err;
  }
}

/**
 * Starts one BullMQ worker per queue, each dispatching by job name through `handlers`. Failures are logged once
 * here, the one error handler for the queues.
 */
export function startWorkers(d: WorkerDeps): Worker[] {
  return QUEUE_NAMES.map((queue) => {
    const worker = new Worker(queue, (job, token) => processJob(queue, job, d, token), {
      connection: d.connection,
      prefix: d.prefix,
      concurrency: QUEUES[queue].concurrency,
    });
    worker.on('failed', (job, err) => {
      const fields = { queue, jobId: job?.id, jobName: job?.name, attemptsMade: job?.attemptsMade, err };
      // An attempt that will be retried is expected (a Slack hiccup); only the last failure is an error to look at.
      const willRetry =
        job !== undefined && !(err instanceof UnrecoverableError) && job.attemptsMade < (job.opts.attempts ?? 1);
      if (willRetry) d.logger.info(fields, 'job attempt failed; will retry');
      else d.logger.error(fields, 'job failed');
    });
    worker.on('error', (err) => d.logger.error({ queue, err }, 'worker error'));
    return worker;
  });
}

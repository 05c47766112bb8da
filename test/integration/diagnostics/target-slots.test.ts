import { EventEmitter } from 'node:events';
import { Job, QueueEvents, type Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisProcess, startRedis } from '../../../src/devtools/redis-process.js';
import { TargetSlots } from '../../../src/diagnostics/target-slots.js';
import type { JobData } from '../../../src/jobs/catalog.js';
import { createJobHandlers, type JobHandlerDeps } from '../../../src/jobs/handlers.js';
import { Queues } from '../../../src/jobs/queues.js';
import { startWorkers } from '../../../src/jobs/worker.js';
import { createLogger } from '../../../src/kernel/logger.js';
import { Metrics } from '../../../src/kernel/metrics.js';

const logger = createLogger('silent');
const unused = async () => undefined;

/**
 * Two bot replicas (two sets of BullMQ workers, each with its own connections and TargetSlots) on one state
 * redis-server: a target holds one diagnosis at a time across both, a second diagnosis for it is deferred to the
 * delayed set instead of taking a worker slot, and a diagnosis for another target runs meanwhile.
 */
describe('per-target diagnosis slots across two workers', () => {
  let state: RedisProcess;
  let queues: Queues;
  let events: QueueEvents;
  const workers: Worker[] = [];
  const connections: Redis[] = [];
  const prefix = `slots${process.pid}`;
  const started = new EventEmitter();
  const gates = new Map<string, (err?: Error) => void>();
  const running = new Map<string, number>();
  const most = new Map<string, number>();

  /** A diagnosis service whose runs start (an event), count per target, and end when the test opens its gate. */
  function diagnosis(replica: string): JobHandlerDeps['diagnosis'] {
    return {
      async run(data: JobData<'diagnostics'>) {
        const now = (running.get(data.target) ?? 0) + 1;
        running.set(data.target, now);
        most.set(data.target, Math.max(most.get(data.target) ?? 0, now));
        const done = new Promise<Error | undefined>((resolve) => gates.set(data.incidentId, resolve));
        started.emit('started', data.incidentId, replica);
        const err = await done;
        running.set(data.target, (running.get(data.target) ?? 1) - 1);
        if (err) throw err;
        return { report: { incidentId: data.incidentId }, proposals: [], requester: 'bot' };
      },
      finish: unused,
    };
  }

  function replica(name: string): void {
    const redis = new Redis(state.url);
    const connection = new Redis(state.url, { maxRetriesPerRequest: null });
    connections.push(redis, connection);
    const handlers = createJobHandlers({
      alerts: { handle: unused },
      diagnosis: diagnosis(name),
      proposals: { propose: unused },
      remediation: { execute: unused },
      lifecycle: {
        open: unused,
        note: unused,
        severity: unused,
        commander: unused,
        resolve: unused,
        fileMessage: unused,
      },
      channels: { open: unused },
      commands: { postTimeline: unused, export: async () => true },
      redis: { info: unused, health: unused },
      targetSlots: new TargetSlots(redis, prefix, { retryMs: 100 }),
    });
    const metrics = new Metrics();
    metrics.counter('rib_jobs_total', 'jobs');
    workers.push(...startWorkers({ connection, prefix: `${prefix}q`, logger, metrics, handlers }));
  }

  /** Resolves with the replica that started the diagnosis of `incidentId` (listening before it can happen). */
  function startOf(incidentId: string): Promise<string> {
    return new Promise((resolve) => {
      const on = (id: string, by: string) => {
        if (id !== incidentId) return;
        started.off('started', on);
        resolve(by);
      };
      started.on('started', on);
    });
  }

  const diag = (incidentId: string, target: string) => ({
    incidentId,
    target,
    runbook: 'high-memory',
    requestedBy: 'alertmanager',
  });

  beforeAll(async () => {
    state = await startRedis();
    queues = new Queues({ url: state.url }, `${prefix}q`);
    events = new QueueEvents('diagnostics', { connection: { url: state.url }, prefix: `${prefix}q` });
    await events.waitUntilReady();
    replica('one');
    replica('two');
    await Promise.all(workers.map((w) => w.waitUntilReady()));
  });

  afterAll(async () => {
    for (const open of gates.values()) open();
    await Promise.all(workers.map((w) => w.close()));
    await events.close();
    await queues.close();
    for (const c of connections) c.disconnect();
    await state.stop();
  });

  it('runs one diagnosis per target at a time, defers the second, and lets another target through', async () => {
    const firstStarted = startOf('INC-1');
    const secondStarted = startOf('INC-2');
    const otherStarted = startOf('INC-3');
    const deferred = new Promise<void>((resolve) => {
      const on = ({ jobId }: { jobId: string }) => {
        if (jobId !== 'second') return;
        events.off('delayed', on);
        resolve();
      };
      events.on('delayed', on);
    });

    await queues.add('diagnostics', diag('INC-1', 'cache-1'), 'first');
    await firstStarted;
    await queues.add('diagnostics', diag('INC-2', 'cache-1'), 'second');
    // The second diagnosis of cache-1 goes back to the queue (8 free worker slots notwithstanding)…
    await deferred;
    // …while one for another target runs at once beside the first.
    await queues.add('diagnostics', diag('INC-3', 'cache-2'), 'other');
    await otherStarted;
    expect(running.get('cache-1')).toBe(1);

    const q = queues.get('diagnostics');
    gates.get('INC-1')?.();
    const first = await Job.fromId(q, 'first');
    await first?.waitUntilFinished(events, 30_000);
    await secondStarted;
    gates.get('INC-2')?.();
    gates.get('INC-3')?.();
    const [second, other] = await Promise.all([Job.fromId(q, 'second'), Job.fromId(q, 'other')]);
    expect(await second?.waitUntilFinished(events, 30_000)).toEqual({ incidentId: 'INC-2' });
    await other?.waitUntilFinished(events, 30_000);

    expect(most.get('cache-1')).toBe(1);
    const done = await Job.fromId(q, 'first');
    const secondDone = await Job.fromId(q, 'second');
    // From job state: the second ran only after the first had finished, and was not failed nor retried for it.
    expect(secondDone?.processedOn).toBeGreaterThanOrEqual(done?.finishedOn ?? Number.POSITIVE_INFINITY);
    expect(secondDone?.attemptsMade).toBeLessThanOrEqual(1);
    expect(await new TargetSlots(connections[0] as Redis, prefix).busy('cache-1')).toBe(0);
  });

  it('gives the place back when a diagnosis fails, so the next one for that target runs', async () => {
    const failingStarted = startOf('INC-4');
    const nextStarted = startOf('INC-5');
    await queues.add('diagnostics', diag('INC-4', 'cache-1'), 'failing');
    await failingStarted;
    await queues.add('diagnostics', diag('INC-5', 'cache-1'), 'next');
    const q = queues.get('diagnostics');
    const failing = await Job.fromId(q, 'failing');
    const failed = failing?.waitUntilFinished(events, 30_000);
    gates.get('INC-4')?.(new Error('target exploded'));
    await expect(failed).rejects.toThrow('target exploded');
    await nextStarted;
    gates.get('INC-5')?.();
    await (await Job.fromId(q, 'next'))?.waitUntilFinished(events, 30_000);
    expect(most.get('cache-1')).toBe(1);
  });
});

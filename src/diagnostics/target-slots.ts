import type { Redis } from 'ioredis';
import type { Logger } from '../kernel/logger.js';
import { LeaseSemaphore } from '../kernel/semaphore.js';

/** Defaults: one diagnosis per target at a time, held as a 30 s lease, a waiting job looked at again after ~1 s. */
export const TARGET_SLOT_DEFAULTS = { perTarget: 1, leaseMs: 30_000, retryMs: 1000 } as const;

/** Puts the job back in its queue to be taken again after `delayMs` (BullMQ: moved to delayed, no attempt used). */
export type Defer = (delayMs: number) => Promise<never>;

/**
 * Diagnosis places per target, shared by every bot replica through the state Redis. A hung or slow target can hold
 * only its own places: a diagnosis for a busy target is deferred (re-queued with a delay) rather than waiting in a
 * worker slot that a healthy target's diagnosis needs, and a target is never examined by several runbooks at once.
 */
export class TargetSlots {
  private readonly semaphore: LeaseSemaphore;
  private readonly retryMs: number;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    o: { perTarget?: number; leaseMs?: number; retryMs?: number; logger?: Logger } = {},
  ) {
    this.semaphore = new LeaseSemaphore(redis, {
      limit: o.perTarget ?? TARGET_SLOT_DEFAULTS.perTarget,
      leaseMs: o.leaseMs ?? TARGET_SLOT_DEFAULTS.leaseMs,
      ...(o.logger ? { logger: o.logger } : {}),
    });
    this.retryMs = o.retryMs ?? TARGET_SLOT_DEFAULTS.retryMs;
  }

  private key(target: string): string {
    return `${this.prefix}:target-slots:${target}`;
  }

  /**
   * Runs `work` holding one of `target`'s places, released when it settles. When none is free, `defer` re-queues
   * the job instead (its promise rejects with the queue's "delayed" signal) and `work` does not run.
   */
  async run<T>(target: string, defer: Defer, work: () => Promise<T>, logger?: Logger): Promise<T> {
    const lease = await this.semaphore.tryAcquire(this.key(target));
    if (!lease) {
      // Jitter, so jobs waiting for the same target do not all come back at the same instant.
      const delayMs = Math.round(this.retryMs * (1 + Math.random() / 2));
      logger?.debug({ target, delayMs }, 'target busy: diagnosis deferred');
      return defer(delayMs);
    }
    try {
      return await work();
    } finally {
      await lease.release();
    }
  }

  /** How many diagnoses of `target` hold a place now. */
  busy(target: string): Promise<number> {
    return this.semaphore.held(this.key(target));
  }
}

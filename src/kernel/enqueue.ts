/**
 * Puts a background job on its queue. A feature that hands work on (alert intake, slash-command intakes, the
 * proposal service) depends on this port, typed with the jobs it enqueues (`Jobs`: job name → data), instead of on
 * `jobs/`, which imports the features' job schemas to build its catalog. `jobs/queues.ts`'s `Queues` implements it
 * and validates the data against the catalog before it reaches Redis; bot.ts wires one to the other.
 */
export interface Enqueue<Jobs> {
  /** Enqueues a `name` job; a `jobId` makes the enqueue idempotent. Resolves to the job's id. */
  add<N extends keyof Jobs & string>(name: N, data: Jobs[N], jobId?: string): Promise<string>;
}

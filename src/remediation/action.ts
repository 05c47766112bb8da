import type { Redis } from 'ioredis';
import type { z } from 'zod';
import type { Target } from '../config/config-file.js';
import type { Logger } from '../kernel/logger.js';

export type Workload = Target['workload'];
export type Figures = Record<string, number | string>;

export interface ActionContext {
  client: Redis;
  target: Target;
  logger: Logger;
}

/** Result of re-checking an action just before it runs. */
export interface PreconditionResult {
  ok: boolean;
  reason: string;
  before: Figures;
}

/** Result of checking an action's effect after it ran; `ok: false` when it did not help, said honestly. */
export interface VerifyResult {
  ok: boolean;
  summary: string;
  after: Figures;
}

/**
 * What the target shows now, read after a run was interrupted: whether the write took effect, in words
 * ("maxmemory is now 1.2 MiB") and figures.
 */
export interface Observation {
  applied: boolean;
  summary: string;
  figures: Figures;
}

/**
 * A typed, allowlisted write to a target. Nothing else in the bot writes to a diagnosed Redis.
 * `plan` turns measured metrics and runbook params into concrete params at proposal time (or declines).
 */
export interface RemediationAction<S extends z.ZodType = z.ZodType> {
  name: string;
  title: string;
  /**
   * Concrete params, as `plan` returns them and a proposal stores them; the remediation worker parses the stored
   * params once with this schema. Without an argument (`RemediationAction`, as the catalog holds them) params are
   * `unknown`: pass the methods only what `plan` or `paramsSchema.parse` returned.
   */
  paramsSchema: S;
  /** Workload classes this action may ever run on (DOMAIN.md "Workload classes"). */
  workloads: readonly Workload[];
  /** What it costs the target, shown on the proposal. */
  risk: string;
  /** Schema of the `params` a runbook's proposal rule passes to `plan`; runbook lint checks them against it. */
  planOptionsSchema: z.ZodType;
  plan(metrics: Figures, options: Record<string, unknown>): z.output<S> | undefined;
  /** The exact command shown to the approver. */
  command(params: z.output<S>): string;
  precondition(ctx: ActionContext, params: z.output<S>): Promise<PreconditionResult>;
  execute(ctx: ActionContext, params: z.output<S>): Promise<string>;
  verify(ctx: ActionContext, params: z.output<S>, before: Figures): Promise<VerifyResult>;
  /**
   * Reads whether the write took effect, for a run whose worker died (`before`: what its precondition read, if it
   * got that far). Read-only. Without it, the recovery uses `verify`'s read (`applied` = verified).
   */
  observe?(ctx: ActionContext, params: z.output<S>, before: Figures): Promise<Observation>;
}

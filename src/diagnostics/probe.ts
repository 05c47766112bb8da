import type { Redis } from 'ioredis';
import type { z } from 'zod';
import type { Logger } from '../logger.js';

/** What a probe needs: a connection to the target node and the bounds it must respect. */
export interface ProbeContext {
  client: Redis;
  logger: Logger;
  /** Upper bound on the probe's whole run, in milliseconds. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** A table of figures shown in Slack and in the postmortem. */
export interface ProbeTable {
  title: string;
  columns: string[];
  rows: string[][];
}

/**
 * What a probe reports. `metrics` are flat figures named `<probe>.<metric>` that runbook thresholds test;
 * `figures` are the same facts as labelled text for people; `tables` hold lists (top keys, prefixes).
 */
export interface ProbeResult {
  metrics: Record<string, number | string>;
  figures: Array<{ label: string; value: string }>;
  tables: ProbeTable[];
  /** Notes such as "scan stopped at the key budget" that qualify the figures. */
  notes: string[];
}

/** A typed, bounded, read-only diagnostic. Each lives in its own file and documents the commands it sends. */
export interface Probe<P = unknown> {
  name: string;
  title: string;
  /** Redis commands sent and their cost, for reviewers and the runbook docs. */
  commands: string;
  paramsSchema: z.ZodType<P>;
  run(ctx: ProbeContext, params: P): Promise<ProbeResult>;
}

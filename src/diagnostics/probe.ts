import type { Redis } from 'ioredis';
import type { z } from 'zod';
import type { Target } from '../config/config-file.js';
import type { Logger } from '../kernel/logger.js';
import type { Topology } from '../targets/topology.js';

/** What every probe gets: the target's topology (nodes, sentinels) and the bounds it must respect. */
export interface TopologyProbeContext {
  target: Target;
  /** Connections to any node of the target; all of them are closed when the diagnosis ends. */
  topology: Topology;
  logger: Logger;
  /** Upper bound on the probe's whole run, in milliseconds. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** A node probe also gets a connection to the node it examines (each primary in a cluster, in turn). */
export interface ProbeContext extends TopologyProbeContext {
  client: Redis;
  /** `host:port` of that node. */
  node: string;
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

interface ProbeBase<S extends z.ZodType> {
  name: string;
  title: string;
  /** Redis commands sent and their cost, for reviewers and the runbook docs. */
  commands: string;
  /** A runbook step's params; the runner parses them once with this schema and passes the output to `run`. */
  paramsSchema: S;
}

/**
 * A typed, bounded, read-only diagnostic of one data node. Each lives in its own file and documents the commands it
 * sends. In a cluster it runs on every serving primary; `heavy` ones (key scans) run on an online replica when
 * the primary has one, to keep load off the node serving writes.
 */
export interface NodeProbe<S extends z.ZodType = z.ZodType> extends ProbeBase<S> {
  scope?: 'node';
  heavy?: boolean;
  run(ctx: ProbeContext, params: z.output<S>): Promise<ProbeResult>;
}

/** A diagnostic of the whole topology (replication, Sentinel, Cluster, reachability); it picks its own nodes. */
export interface TopologyProbe<S extends z.ZodType = z.ZodType> extends ProbeBase<S> {
  scope: 'topology';
  run(ctx: TopologyProbeContext, params: z.output<S>): Promise<ProbeResult>;
}

/**
 * A probe typed by its params schema. Without an argument (`Probe`, as catalogs hold them) its params are `unknown`:
 * pass `run` only what its own `paramsSchema.parse` returned, as `runRunbook` does.
 */
export type Probe<S extends z.ZodType = z.ZodType> = NodeProbe<S> | TopologyProbe<S>;

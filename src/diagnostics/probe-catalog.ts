import type { Probe } from './probe.js';
import { clientListProbe } from './probes/client-list.js';
import { clusterProbe } from './probes/cluster.js';
import { configAuditProbe } from './probes/config-audit.js';
import { fragmentationProbe } from './probes/fragmentation.js';
import { hotKeysProbe } from './probes/hot-keys.js';
import { largestKeysProbe } from './probes/largest-keys.js';
import { latencyProbe } from './probes/latency.js';
import { memoryProbe } from './probes/memory.js';
import { persistenceProbe } from './probes/persistence.js';
import { reachabilityProbe } from './probes/reachability.js';
import { replicationProbe } from './probes/replication.js';
import { sentinelProbe } from './probes/sentinel.js';
import { slowlogProbe } from './probes/slowlog.js';
import { statsProbe } from './probes/stats.js';
import { ttlHygieneProbe } from './probes/ttl-hygiene.js';

const ALL: Probe[] = [
  memoryProbe,
  fragmentationProbe,
  largestKeysProbe,
  ttlHygieneProbe,
  statsProbe,
  clientListProbe,
  slowlogProbe,
  latencyProbe,
  persistenceProbe,
  configAuditProbe,
  hotKeysProbe,
  clusterProbe,
  replicationProbe,
  sentinelProbe,
  reachabilityProbe,
];

/** Every probe a runbook step may name. Adding one is one file and one line here. */
export const PROBES: ReadonlyMap<string, Probe> = new Map(ALL.map((p) => [p.name, p] as const));

import type { Probe } from './probe.js';
import { clusterProbe } from './probes/cluster.js';
import { fragmentationProbe } from './probes/fragmentation.js';
import { largestKeysProbe } from './probes/largest-keys.js';
import { memoryProbe } from './probes/memory.js';
import { ttlHygieneProbe } from './probes/ttl-hygiene.js';

const ALL: Probe<any>[] = [memoryProbe, fragmentationProbe, largestKeysProbe, ttlHygieneProbe, clusterProbe];

/** Every probe a runbook step may name. Adding one is one file and one line here. */
export const PROBES: ReadonlyMap<string, Probe<any>> = new Map(ALL.map((p) => [p.name, p] as const));

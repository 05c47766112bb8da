import type { RemediationAction } from './action.js';
import { configSetMaxmemoryAction } from './actions/config-set-maxmemory.js';
import { memoryPurgeAction } from './actions/memory-purge.js';

/** The allowlist: the only writes the bot can make to a target. FLUSH*, DEBUG and SHUTDOWN are never here. */
export const ACTIONS: ReadonlyMap<string, RemediationAction<any>> = new Map<string, RemediationAction<any>>(
  [memoryPurgeAction, configSetMaxmemoryAction].map((a) => [a.name, a]),
);

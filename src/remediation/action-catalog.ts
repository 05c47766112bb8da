import type { RemediationAction } from './action.js';
import { bgrewriteaofAction } from './actions/bgrewriteaof.js';
import { bgsaveAction } from './actions/bgsave.js';
import { configSetMaxclientsAction } from './actions/config-set-maxclients.js';
import { configSetMaxmemoryAction } from './actions/config-set-maxmemory.js';
import { evictionPolicyAction } from './actions/eviction-policy.js';
import { killIdleClientsAction } from './actions/kill-idle-clients.js';
import { memoryPurgeAction } from './actions/memory-purge.js';

const ALL: RemediationAction[] = [
  memoryPurgeAction,
  configSetMaxmemoryAction,
  evictionPolicyAction,
  bgsaveAction,
  bgrewriteaofAction,
  configSetMaxclientsAction,
  killIdleClientsAction,
];

/** The allowlist: the only writes the bot can make to a target. FLUSH*, DEBUG and SHUTDOWN are never here. */
export const ACTIONS: ReadonlyMap<string, RemediationAction> = new Map(ALL.map((a) => [a.name, a] as const));

import { PROBES } from './diagnostics/probe-catalog.js';
import { ACTIONS } from './remediation/action-catalog.js';
import type { Catalogs } from './runbooks/runbook-loader.js';

/** The probe and action catalogs a runbook is linted against: the ones this build ships. */
export function builtInCatalogs(): Catalogs {
  return {
    probes: new Set(PROBES.keys()),
    actions: new Set(ACTIONS.keys()),
    probeParams: new Map([...PROBES].map(([name, p]) => [name, p.paramsSchema])),
    actionParams: new Map([...ACTIONS].map(([name, a]) => [name, a.planOptionsSchema])),
  };
}

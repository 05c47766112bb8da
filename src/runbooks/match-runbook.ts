import type { Runbook } from './runbook-schema.js';

/**
 * The runbook for an alert: matched on alertname and labels, never on the expression. When several match, the one
 * with more label conditions (the more specific) wins.
 */
export function matchRunbook(runbooks: readonly Runbook[], labels: Record<string, string>): Runbook | undefined {
  const alertname = labels.alertname ?? '';
  let best: Runbook | undefined;
  for (const rb of runbooks) {
    if (!rb.match.alertnames.includes(alertname)) continue;
    const ok = Object.entries(rb.match.labels).every(([k, v]) => labels[k] === v);
    if (!ok) continue;
    if (!best || Object.keys(rb.match.labels).length > Object.keys(best.match.labels).length) best = rb;
  }
  return best;
}

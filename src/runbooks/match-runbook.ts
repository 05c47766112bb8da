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

/**
 * The runbook of an incident's alerts: the first firing alert's match, else the first match of any (a resolved
 * incident keeps its runbook). What the card's runbook select shows and what `@bot diag` runs by default.
 */
export function runbookForAlerts(
  runbooks: readonly Runbook[],
  alerts: ReadonlyArray<{ status: string; labels: Record<string, string> }>,
): Runbook | undefined {
  const ordered = [...alerts.filter((a) => a.status === 'firing'), ...alerts.filter((a) => a.status !== 'firing')];
  for (const a of ordered) {
    const rb = matchRunbook(runbooks, a.labels);
    if (rb) return rb;
  }
  return undefined;
}

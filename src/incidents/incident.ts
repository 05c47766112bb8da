import { z } from 'zod';
import { IncidentIdSchema } from '../kernel/ids.js';

export const SeveritySchema = z.enum(['sev1', 'sev2', 'sev3', 'sev4']);
export type Severity = z.infer<typeof SeveritySchema>;

/** An incident as kept in the state Redis hash `…:incident:<id>`. */
export const IncidentSchema = z.object({
  id: IncidentIdSchema,
  title: z.string(),
  status: z.enum(['open', 'resolved']),
  severity: SeveritySchema,
  /** Target name from the config; empty when the alert matched no known target. */
  target: z.string().default(''),
  /** Label text that identified the (possibly unknown) target, e.g. `instance=10.0.1.10:6379`. */
  targetHint: z.string().default(''),
  channel: z.string(),
  threadTs: z.string().default(''),
  groupKey: z.string().default(''),
  alertname: z.string().default(''),
  commander: z.string().default(''),
  createdAt: z.string(),
  resolvedAt: z.string().default(''),
  summary: z.string().default(''),
  /** The incident's own Slack channel (id) once declared; slash commands there act on this incident. */
  incidentChannel: z.string().default(''),
  /** The card's copy at the top of that channel, kept current with the thread's. */
  incidentChannelCardTs: z.string().default(''),
  /** The triage-thread message linking to that channel (posted once). */
  incidentChannelLinkTs: z.string().default(''),
});
export type Incident = z.infer<typeof IncidentSchema>;

/** What a caller must say about a new incident; everything else starts empty. */
export type NewIncident = Pick<Incident, 'id' | 'title' | 'severity' | 'channel' | 'createdAt'> &
  Partial<Pick<Incident, 'target' | 'targetHint' | 'groupKey' | 'alertname' | 'commander'>>;

/**
 * A freshly opened incident: status `open`, no thread yet (the commands worker posts it), not resolved. The one
 * place the full record is spelled out, so the three ways to open one (alert, `/incident open`, `/redis diagnose`)
 * cannot drift apart.
 */
export function newIncident(o: NewIncident): Incident {
  return {
    id: o.id,
    title: o.title,
    status: 'open',
    severity: o.severity,
    target: o.target ?? '',
    targetHint: o.targetHint ?? '',
    channel: o.channel,
    threadTs: '',
    groupKey: o.groupKey ?? '',
    alertname: o.alertname ?? '',
    commander: o.commander ?? '',
    createdAt: o.createdAt,
    resolvedAt: '',
    summary: '',
    incidentChannel: '',
    incidentChannelCardTs: '',
    incidentChannelLinkTs: '',
  };
}

/** The state of one alert (by Alertmanager fingerprint) inside an incident. */
export const AlertStateSchema = z.object({
  fingerprint: z.string(),
  alertname: z.string(),
  status: z.enum(['firing', 'resolved']),
  startsAt: z.string(),
  endsAt: z.string(),
  summary: z.string().default(''),
  description: z.string().default(''),
  labels: z.record(z.string(), z.string()),
  generatorURL: z.string().default(''),
  runbookUrl: z.string().default(''),
  /** How often this alert fired again after it had resolved (flapping); shown on the card and in the export. */
  refires: z.number().int().nonnegative().default(0),
});
export type AlertState = z.infer<typeof AlertStateSchema>;

/** Maps an alert's `severity` label to an incident severity. */
export function severityFromLabel(label: string | undefined): Severity {
  switch ((label ?? '').toLowerCase()) {
    case 'critical':
    case 'page':
      return 'sev2';
    case 'warning':
      return 'sev3';
    default:
      return 'sev4';
  }
}

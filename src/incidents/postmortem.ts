import { SLACK_USER_ID } from '../kernel/ids.js';
import { utc } from '../kernel/time.js';
import type { AlertState, Incident } from './incident.js';
import type { TimelineEvent } from './timeline.js';

/** Version of the JSON export's shape; bump on any incompatible change. */
export const POSTMORTEM_SCHEMA_VERSION = 1;

/**
 * What a postmortem reports of one proposed fix (a stored proposal fits); declared here so incidents/ imports
 * nothing from remediation/, which sits above it.
 */
export interface PostmortemAction {
  id: string;
  action: string;
  title: string;
  command: string;
  target: string;
  requester: string;
  decidedBy: string;
  decidedAt: string;
  status: string;
  result: string;
}

export interface PostmortemInput {
  incident: Incident;
  alerts: AlertState[];
  events: TimelineEvent[];
  proposals: PostmortemAction[];
  generatedAt: string;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');

function actorName(actor: string): string {
  return SLACK_USER_ID.test(actor) ? `<@${actor}>` : actor;
}

/** The impact window: first alert firing → incident resolution (or now, while open). */
export function impactWindow(input: PostmortemInput): { start: string; end: string } {
  const starts = input.alerts
    .map((a) => a.startsAt)
    .filter(Boolean)
    .sort();
  const start = starts[0] ?? input.incident.createdAt;
  const end = input.incident.resolvedAt || '';
  return { start, end };
}

/** Markdown postmortem: summary, impact window, timeline (UTC), findings, actions, follow-ups, links. Pure. */
export function renderPostmortemMarkdown(input: PostmortemInput): string {
  const { incident, events, proposals } = input;
  const win = impactWindow(input);
  const lines: string[] = [];
  lines.push(`# Postmortem ${incident.id}: ${incident.title}`, '');
  lines.push('## Summary', '');
  lines.push(`- Status: ${incident.status}`);
  lines.push(`- Severity: ${incident.severity}`);
  lines.push(`- Target: ${incident.target || `unknown (${incident.targetHint})`}`);
  lines.push(`- Commander: ${incident.commander ? actorName(incident.commander) : 'unassigned'}`);
  if (incident.summary) lines.push(`- Resolution: ${incident.summary}`);
  lines.push('', '## Impact window', '');
  lines.push(`- First alert: ${utc(win.start, '—')}`);
  lines.push(`- Resolved: ${win.end ? utc(win.end, '—') : 'still open'}`);
  if (win.end) lines.push(`- Duration: ${Math.round((Date.parse(win.end) - Date.parse(win.start)) / 60_000)} min`);
  lines.push('', '## Timeline (UTC)', '', '| # | time | event | actor | detail |', '|---|---|---|---|---|');
  for (const [i, e] of events.entries()) {
    lines.push(`| ${i + 1} | ${utc(e.at, '—')} | ${e.type} | ${cell(actorName(e.actor))} | ${cell(e.text)} |`);
  }
  const findings = events.filter((e) => e.type === 'finding');
  lines.push('', '## Findings', '');
  if (!findings.length) lines.push('None recorded.');
  for (const f of findings) lines.push(`- ${f.text}${typeof f.data.detail === 'string' ? ` — ${f.data.detail}` : ''}`);
  const measured = events.filter((e) => e.type === 'step.finished');
  if (measured.length) {
    lines.push('', '### Figures measured', '');
    for (const m of measured) lines.push(`- ${utc(m.at, '—')} ${m.text}`);
  }
  lines.push('', '## Actions', '');
  if (!proposals.length) lines.push('None proposed.');
  else {
    lines.push('| action | command | requester | approver | status | result |', '|---|---|---|---|---|---|');
    for (const p of proposals) {
      lines.push(
        `| ${cell(p.title)} | \`${cell(p.command)}\` | ${actorName(p.requester)} | ${p.decidedBy ? `${actorName(p.decidedBy)} at ${utc(p.decidedAt, '—')}` : '—'} | ${p.status} | ${cell(p.result || '—')} |`,
      );
    }
  }
  const notes = events.filter((e) => e.type === 'note');
  lines.push('', '## Notes', '');
  if (!notes.length) lines.push('None.');
  for (const n of notes) {
    const label = n.data.afterResolution === true ? ' (after resolution)' : '';
    lines.push(`- ${utc(n.at, '—')} ${actorName(n.actor)}${label}: ${n.text}`);
  }
  const advice = followUps(events);
  lines.push('', '## Follow-ups', '');
  if (!advice.length) lines.push('- Review the timeline and add follow-ups.');
  for (const a of advice) lines.push(`- [ ] ${a}`);
  const links = new Set<string>();
  for (const a of input.alerts) {
    if (a.generatorURL) links.add(`- ${a.alertname} source: ${a.generatorURL}`);
    if (a.runbookUrl) links.add(`- ${a.alertname} runbook: ${a.runbookUrl}`);
  }
  lines.push('', '## Links', '');
  if (!links.size) lines.push('None.');
  lines.push(...links);
  lines.push('', `_Generated ${utc(input.generatedAt, '—')} by redis-incident-bot._`, '');
  return lines.join('\n');
}

/** Durable-fix advice of every runbook that ran, once each: the postmortem's follow-ups. */
function followUps(events: TimelineEvent[]): string[] {
  return [
    ...new Set(
      events.flatMap((e) =>
        e.type === 'diagnosis.finished' && Array.isArray(e.data.advice) ? (e.data.advice as string[]) : [],
      ),
    ),
  ];
}

/** JSON export with a versioned shape (documented in docs/postmortem-json.md). Pure. */
export function renderPostmortemJson(input: PostmortemInput): string {
  const win = impactWindow(input);
  return JSON.stringify(
    {
      schemaVersion: POSTMORTEM_SCHEMA_VERSION,
      generatedAt: input.generatedAt,
      incident: input.incident,
      impact: win,
      alerts: input.alerts,
      timeline: input.events.map(({ id, at, type, actor, text, data }) => ({ id, at, type, actor, text, data })),
      findings: input.events
        .filter((e) => e.type === 'finding')
        .map((e) => ({
          at: e.at,
          severity: e.data.severity ?? null,
          title: e.data.title ?? e.text,
          runbook: e.data.runbook ?? null,
        })),
      notes: input.events
        .filter((e) => e.type === 'note')
        .map((e) => ({ at: e.at, author: e.actor, text: e.text, afterResolution: e.data.afterResolution === true })),
      followUps: followUps(input.events),
      links: input.alerts.flatMap((a) => [
        ...(a.generatorURL ? [{ alertname: a.alertname, kind: 'source', url: a.generatorURL }] : []),
        ...(a.runbookUrl ? [{ alertname: a.alertname, kind: 'runbook', url: a.runbookUrl }] : []),
      ]),
      actions: input.proposals.map((p) => ({
        id: p.id,
        action: p.action,
        command: p.command,
        target: p.target,
        requester: p.requester,
        approver: p.decidedBy || null,
        decidedAt: p.decidedAt || null,
        status: p.status,
        result: p.result || null,
      })),
    },
    null,
    2,
  );
}

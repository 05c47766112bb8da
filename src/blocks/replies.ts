import { utc } from '../kernel/time.js';
import { escapeText, safe } from './text.js';

/**
 * Private replies (slash-command acks, ephemeral answers) are mrkdwn like any message: a title, summary or echoed
 * word in them is untrusted and escaped here, so `<!channel>` or `<https://evil|docs>` in an alert's summary or a
 * typed title reads as text. Pure; the intakes and workers compose their answers from these.
 */

/** What a status line reads of an incident (the stored incident fits). */
export interface ReplyIncident {
  id: string;
  title: string;
  status: string;
  severity: string;
  target: string;
  commander: string;
  createdAt: string;
  resolvedAt?: string;
}

/** One line per incident: `INC-3 [open, sev2] title — target cache-1, commander <@U…> (since … UTC)`. */
export function incidentStatusLine(i: ReplyIncident): string {
  const target = i.target ? ` — target \`${safe(i.target, 200)}\`` : '';
  const who = i.commander ? `, commander <@${i.commander}>` : '';
  const when = i.status === 'resolved' && i.resolvedAt ? `resolved ${utc(i.resolvedAt)}` : `since ${utc(i.createdAt)}`;
  return `${i.id} [${i.status}, ${i.severity}] ${safe(i.title, 300)}${target}${who} (${when})`;
}

/** `/incident status` without an id: every open incident, one line each. */
export function openIncidentsReply(open: readonly ReplyIncident[]): string {
  if (open.length === 0) return 'No open incidents.';
  return `*Open incidents (${open.length}):*\n${open.map((i) => `• ${incidentStatusLine(i)}`).join('\n')}`;
}

/** Input the parser refused: its reason (which may quote what was typed) escaped, then the usage. */
export function invalidCommandReply(reason: string, usage: string): string {
  return `${safe(reason, 500)}.\n${usage}`;
}

/** Escapes a usage text written with `<placeholders>`, which Slack would otherwise try to read as links. */
export function usageText(lines: readonly string[]): string {
  return escapeText(lines.join('\n'));
}

/** What the runbook list reads of a runbook (the loaded runbook fits). */
export interface ReplyRunbook {
  name: string;
  title: string;
  match: { alertnames: readonly string[] };
  steps: ReadonlyArray<{ probe: string }>;
}

/** `/redis runbooks`: each runbook with the alerts it matches and its steps. */
export function runbooksReply(runbooks: readonly ReplyRunbook[]): string {
  if (runbooks.length === 0) return 'No runbooks loaded.';
  const line = (r: ReplyRunbook) =>
    `• \`${safe(r.name, 100)}\` ${safe(r.title, 200)} — alerts: ${safe(r.match.alertnames.join(', ') || 'none (on demand)', 500)}; steps: ${safe(r.steps.map((s) => s.probe).join(', '), 500)}`;
  return `*Runbooks (${runbooks.length})*\n${runbooks.map(line).join('\n')}`;
}

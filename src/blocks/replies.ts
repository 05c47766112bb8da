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

/** Incidents per `/incident status` page: 20 lines stay far inside Slack's 40,000 characters and 50 blocks. */
export const STATUS_PAGE_SIZE = 20;

/**
 * `/incident status` without an id: one page of the open incidents (most severe first, then newest; the store's
 * rank order), one line each, with how many there are in all and the command for the next page. `page` counts
 * from 1.
 */
export function openIncidentsReply(o: { total: number; page: number; incidents: readonly ReplyIncident[] }): string {
  if (o.total === 0) return 'No open incidents.';
  if (o.incidents.length === 0) {
    const pages = Math.ceil(o.total / STATUS_PAGE_SIZE);
    return `Page ${o.page} is past the end: ${o.total} open incident(s) fill ${pages} page(s). Try \`/incident status\`.`;
  }
  const first = (o.page - 1) * STATUS_PAGE_SIZE + 1;
  const last = first + o.incidents.length - 1;
  const head =
    o.total > o.incidents.length
      ? `*Open incidents (${o.total})* — ${first}–${last}, most severe first, then newest:`
      : `*Open incidents (${o.total}):*`;
  const rest = o.total - last;
  const next = rest > 0 ? [`…and ${rest} more: \`/incident status page ${o.page + 1}\``] : [];
  return [head, ...o.incidents.map((i) => `• ${incidentStatusLine(i)}`), ...next].join('\n');
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

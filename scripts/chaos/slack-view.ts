import { approveButtonValue, messageText } from '../../src/devtools/slack-messages.js';
import type { StandInMessage } from '../../src/devtools/slack-stand-in.js';

/** One incident thread as Slack shows it: a root card and its replies. */
export interface ThreadView {
  incidentId: string | undefined;
  root: StandInMessage;
  replies: StandInMessage[];
}

const INCIDENT_ID = /\b(INC-\d+)\b/;
const PROPOSAL_ID = /\b(P-[a-z0-9-]+)\b/;

/** The incident a root message belongs to, read from its text (`INC-7 [open] …`) or header. */
export function rootIncidentId(root: StandInMessage): string | undefined {
  return INCIDENT_ID.exec(root.text)?.[1] ?? INCIDENT_ID.exec(messageText(root))?.[1];
}

/** The proposal a thread message shows (pending, decided or redrawn), by the id in its button or context line. */
export function shownProposalId(m: StandInMessage): string | undefined {
  return (
    approveButtonValue(m) ?? (/Proposed fix/.test(messageText(m)) ? PROPOSAL_ID.exec(messageText(m))?.[1] : undefined)
  );
}

/**
 * Slack's side of the run from the stand-in's recorded messages: every root with its replies (roots grouped by
 * incident id, so a second root card for one incident is visible as such).
 */
export function slackThreads(messages: StandInMessage[]): ThreadView[] {
  const replies = new Map<string, StandInMessage[]>();
  for (const m of messages) {
    if (m.threadTs === undefined) continue;
    const k = `${m.channel}/${m.threadTs}`;
    const list = replies.get(k) ?? [];
    list.push(m);
    replies.set(k, list);
  }
  return messages
    .filter((m) => m.threadTs === undefined)
    .map((root) => ({
      incidentId: rootIncidentId(root),
      root,
      replies: replies.get(`${root.channel}/${root.ts}`) ?? [],
    }));
}

/** The card's `*Status*` and `*Alerts*` fields as shown: `open` / `resolved` and the `N firing, M resolved` line. */
export function cardState(root: StandInMessage): { status?: string; alerts?: string } {
  const text = messageText(root);
  const status = /\*Status\*\n\S+ (open|resolved)/.exec(text)?.[1];
  const alerts = /\*Alerts\*\n(\d+ firing, \d+ resolved)/.exec(text)?.[1];
  return { ...(status ? { status } : {}), ...(alerts ? { alerts } : {}) };
}

/** Whether a reply is the thread message for one alert changing state (`Firing: RedisHighMemory …`). */
export function isAlertChangeMessage(m: StandInMessage, verb: 'Firing' | 'Resolved', alertname: string): boolean {
  const text = messageText(m);
  const words = verb === 'Firing' ? '(?:Firing|Fired again \\(flapping\\))' : verb;
  return new RegExp(`(^|\\s)${words}: \\*?${alertname}\\b`).test(text);
}

/** The `Diagnosis: <runbook title> on <target>` header of a findings message, if it is one. */
export function diagnosisHeader(m: StandInMessage): string | undefined {
  return /Diagnosis: ([^\n]+)/.exec(messageText(m))?.[1];
}

export { messageText };

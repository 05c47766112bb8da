import { safe } from './text.js';
import type { SlackMessage } from './types.js';

/** Thread text people type (notes, summaries) is cut below the section limit, leaving room for the lead-in. */
const TYPED_MAX = 2800;

/** One mrkdwn section whose text is also the notification text. */
function section(text: string): SlackMessage {
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

/** First message in the thread of an incident opened by hand (`/incident new`). */
export function incidentOpenedMessage(user: string, commander: string): SlackMessage {
  return section(
    `:rotating_light: Opened by <@${user}>, commander <@${commander}>. Use \`/incident note\` to add to the timeline.`,
  );
}

/**
 * `/incident note`: the note is untrusted text and escaped. A note on a resolved incident is accepted but says so
 * (`afterResolution`), so nobody reads it as part of the live response.
 */
export function noteMessage(user: string, text: string, opts: { afterResolution?: boolean } = {}): SlackMessage {
  const label = opts.afterResolution ? ' _(added after the incident was resolved)_' : '';
  return section(`:memo: Note from <@${user}>${label}: ${safe(text, TYPED_MAX)}`);
}

/** `/incident severity`: from and to are severity names (`sev1`…`sev4`). */
export function severityChangedMessage(from: string, to: string, user: string): SlackMessage {
  return section(`:arrows_counterclockwise: Severity ${from} → *${to}* (<@${user}>)`);
}

export function commanderChangedMessage(commander: string, user: string): SlackMessage {
  return section(`:bust_in_silhouette: <@${commander}> is now the incident commander (set by <@${user}>)`);
}

/** `/incident resolve`: the optional summary is untrusted text and escaped. */
export function incidentResolvedMessage(user: string, summary: string): SlackMessage {
  return section(`:white_check_mark: Resolved by <@${user}>${summary ? `: ${safe(summary, TYPED_MAX)}` : ''}`);
}

/**
 * In the triage thread once the incident has its own channel: where the work moved, and that commands there need
 * no id. `by` is a Slack user id, or `auto` when the severity policy opened it.
 */
export function incidentChannelLinkMessage(incidentId: string, channel: string, by: string): SlackMessage {
  const who = by === 'auto' ? ' (its severity calls for one)' : ` (declared by <@${by}>)`;
  return section(
    `:loudspeaker: ${incidentId} has its own channel: <#${channel}>${who}. Slash commands there act on ${incidentId} without an id.`,
  );
}

/**
 * "Add to incident timeline": who filed which message (by whom, when) and a link to it. The message text itself is
 * not repeated in the thread (it may be long; the timeline and the postmortem keep it).
 */
export function messageFiledMessage(o: { user: string; author: string; at: string; permalink: string }): SlackMessage {
  const link = o.permalink.startsWith('https://') ? `<${o.permalink.replace(/[<>|]/g, '')}|a message>` : 'a message';
  const by = /^[UW][A-Z0-9]+$/.test(o.author) ? `<@${o.author}>` : safe(o.author, 100);
  return section(`:pushpin: <@${o.user}> filed ${link} from ${by} (${o.at}) on the timeline.`);
}

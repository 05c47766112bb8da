import { utc } from '../kernel/time.js';
import { LIMITS, safe, truncate } from './text.js';
import type { Block, SlackMessage } from './types.js';

/** What the timeline message reads of one event (a stored timeline event fits). */
export interface TimelineLine {
  at: string;
  type: string;
  actor: string;
  text: string;
}

/** Room left for the code fence around each chunk and for a margin. */
const CHUNK_MAX = LIMITS.sectionText - 10;
/** The header takes one block; the rest of a message's 50 stay unused so a long timeline never hits the cap. */
const MAX_CHUNKS = 45;

/**
 * `/incident timeline`: one line per event (escaped, each cut to 400 characters) in monospaced sections, chunked
 * under Slack's 3,000-character section limit.
 */
export function timelineMessage(incidentId: string, events: readonly TimelineLine[], user: string): SlackMessage {
  const lines = events.map((e) => `${utc(e.at)}  ${e.type}  ${e.actor}  ${e.text}`);
  const chunks: string[] = [];
  let current = '';
  for (const l of lines.map((x) => safe(truncate(x, 400)))) {
    if (current.length + l.length + 1 > CHUNK_MAX) {
      chunks.push(current);
      current = '';
    }
    current += `${l}\n`;
  }
  if (current) chunks.push(current);
  const blocks: Block[] = [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*Timeline of ${incidentId}* (${events.length} events, requested by <@${user}>)`,
      },
    },
    ...chunks
      .slice(0, MAX_CHUNKS)
      .map((c): Block => ({ type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${c}\`\`\`` } })),
  ];
  return { text: `Timeline of ${incidentId} (${events.length} events)`, blocks };
}

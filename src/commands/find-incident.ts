import type { Incident } from '../incidents/incident.js';
import type { IncidentStore } from '../incidents/incident-store.js';
import type { CommandContext } from './slash-handler.js';

export type Lookup = { incident: Incident } | { error: string };

/**
 * The incident a command is about: the one named, else the one its surface is about (the card's, the thread's), else
 * the one whose thread the command came from, else the one whose own channel this is, else the only open one in the
 * channel (optionally: for this target). Several or none give an error that says what to type.
 */
export async function findIncident(
  store: IncidentStore,
  ctx: CommandContext,
  incidentId?: string,
  target?: string,
): Promise<Lookup> {
  const id = incidentId ?? ctx.incidentId;
  if (id) {
    const incident = await store.get(id);
    return incident ? { incident } : { error: `No incident ${id}.` };
  }
  if (ctx.threadTs) {
    const id = await store.findByThread(ctx.channel, ctx.threadTs);
    const incident = id ? await store.get(id) : undefined;
    if (incident) return { incident };
  }
  // A command typed in an incident's own channel: one GET, and that incident.
  const own = await store.findByIncidentChannel(ctx.channel);
  const ofChannel = own ? await store.get(own) : undefined;
  if (ofChannel) return { incident: ofChannel };
  // One indexed round trip, whatever else is open: is exactly one open here? (Only that one's hash is read.)
  const { total, ids, only } = await store.onlyOpenInChannel(ctx.channel, NAMED_AT_MOST, target);
  if (only) return { incident: only };
  if (total <= 1 || !ids[0])
    return { error: 'No open incident in this channel; name one, e.g. `/incident timeline INC-12`.' };
  const more = total > ids.length ? ` and ${total - ids.length} more` : '';
  return {
    error: `Several open incidents here (${ids.join(', ')}${more}); name one, e.g. \`/incident note ${ids[0]} …\`.`,
  };
}

/** How many ids "Several open incidents here" names before "and N more" (newest first). */
export const NAMED_AT_MOST = 10;

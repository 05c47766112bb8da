import type { Incident } from '../incidents/incident.js';
import type { IncidentStore } from '../incidents/incident-store.js';
import type { CommandContext } from './slash-handler.js';

export type Lookup = { incident: Incident } | { error: string };

/**
 * The incident a command is about: the one named, else the one whose thread the command came from, else the only
 * open one in the channel (optionally: for this target). Several or none give an error that says what to type.
 */
export async function findIncident(
  store: IncidentStore,
  ctx: CommandContext,
  incidentId?: string,
  target?: string,
): Promise<Lookup> {
  if (incidentId) {
    const incident = await store.get(incidentId);
    return incident ? { incident } : { error: `No incident ${incidentId}.` };
  }
  if (ctx.threadTs) {
    const id = await store.findByThread(ctx.channel, ctx.threadTs);
    const incident = id ? await store.get(id) : undefined;
    if (incident) return { incident };
  }
  // One indexed round trip, whatever else is open: is exactly one open here?
  const { total, incidents: open } = await store.openInChannel(ctx.channel, NAMED_AT_MOST, target);
  if (total === 1 && open[0]) return { incident: open[0] };
  if (total === 0 || !open[0])
    return { error: 'No open incident in this channel; name one, e.g. `/incident timeline INC-12`.' };
  const more = total > open.length ? ` and ${total - open.length} more` : '';
  return {
    error: `Several open incidents here (${open.map((i) => i.id).join(', ')}${more}); name one, e.g. \`/incident note ${open[0].id} …\`.`,
  };
}

/** How many ids "Several open incidents here" names before "and N more" (newest first). */
export const NAMED_AT_MOST = 10;

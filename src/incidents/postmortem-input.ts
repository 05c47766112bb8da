import type { Incident } from './incident.js';
import type { IncidentStore } from './incident-store.js';
import type { PostmortemAction, PostmortemInput } from './postmortem.js';
import type { Timeline } from './timeline.js';

/** Where a postmortem's facts are read from: the bot's state Redis. */
export interface PostmortemSources {
  store: Pick<IncidentStore, 'listAlerts'>;
  timeline: Pick<Timeline, 'read'>;
  /** The incident's proposals (remediation's ProposalStore fits). */
  proposals: { listForIncident(incidentId: string): Promise<PostmortemAction[]> };
}

/**
 * Everything a postmortem renders for one incident: its alerts, timeline and proposals, read now, stamped now.
 * Shared by `/incident export` and the export CLI so both render the same document.
 */
export async function loadPostmortemInput(
  d: PostmortemSources,
  incident: Incident,
  now: Date = new Date(),
): Promise<PostmortemInput> {
  const [alerts, events, proposals] = await Promise.all([
    d.store.listAlerts(incident.id),
    d.timeline.read(incident.id),
    d.proposals.listForIncident(incident.id),
  ]);
  return { incident, alerts, events, proposals, generatedAt: now.toISOString() };
}

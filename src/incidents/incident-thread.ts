import { incidentCard } from '../blocks/incident-card.js';
import type { SlackMessage } from '../blocks/types.js';
import type { Incident } from './incident.js';
import type { IncidentStore } from './incident-store.js';
import type { Notifier } from './notifier.js';

/** What the card reads of an incident's proposals: their statuses (remediation's ProposalStore fits). */
export interface IncidentProposals {
  listForIncident(incidentId: string): Promise<ReadonlyArray<{ status: string }>>;
}

/** An incident's Slack thread: the live card at its root and the messages under it. */
export class IncidentThread {
  constructor(
    private readonly store: IncidentStore,
    private readonly proposals: IncidentProposals,
    private readonly notifier: Pick<Notifier, 'post' | 'update'>,
  ) {}

  /** Posts the card if the incident has no thread yet (idempotent across retries); returns the thread ts. */
  async ensureThread(incident: Incident): Promise<string> {
    if (incident.threadTs) return incident.threadTs;
    const alerts = await this.store.listAlerts(incident.id);
    const ts = await this.notifier.post(
      incident.channel,
      incidentCard(incident, alerts, { now: new Date().toISOString() }),
    );
    await this.store.bindThread(incident.id, incident.channel, ts);
    return ts;
  }

  /** Re-renders the root message in place from stored state (and its copy in the incident's own channel). */
  async refreshCard(incidentId: string): Promise<void> {
    const incident = await this.store.require(incidentId);
    if (!incident.threadTs) return;
    const card = await this.renderCard(incident);
    await this.notifier.update(incident.channel, incident.threadTs, card);
    if (incident.incidentChannel && incident.incidentChannelCardTs) {
      await this.notifier.update(incident.incidentChannel, incident.incidentChannelCardTs, card);
    }
  }

  /** Posts a copy of the card at the top of `channel` (the incident's own channel); returns its ts. */
  async postCardIn(channel: string, incidentId: string): Promise<string> {
    return this.notifier.post(channel, await this.renderCard(await this.store.require(incidentId)));
  }

  private async renderCard(incident: Incident): Promise<SlackMessage> {
    const [alerts, proposals] = await Promise.all([
      this.store.listAlerts(incident.id),
      this.proposals.listForIncident(incident.id),
    ]);
    const openProposals = proposals.filter((p) => p.status === 'pending').length;
    const withdrawnProposals = proposals.filter((p) => p.status === 'withdrawn').length;
    return incidentCard(incident, alerts, { openProposals, withdrawnProposals, now: new Date().toISOString() });
  }

  /** Re-renders a message posted in a thread (a proposal, say) in place. */
  async update(channel: string, ts: string, message: SlackMessage): Promise<void> {
    await this.notifier.update(channel, ts, message);
  }

  /** Posts into the incident's thread, opening it first if needed; returns the message ts. */
  async post(incidentId: string, message: SlackMessage): Promise<string> {
    const incident = await this.store.require(incidentId);
    const ts = await this.ensureThread(incident);
    return this.notifier.post(incident.channel, message, ts);
  }
}

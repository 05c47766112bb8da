import { incidentCard } from '../blocks/incident-card.js';
import type { CardRunbooks } from '../blocks/incident-controls.js';
import type { SlackMessage } from '../blocks/types.js';
import { runbookForAlerts } from '../runbooks/match-runbook.js';
import type { Runbook } from '../runbooks/runbook-schema.js';
import type { AlertState, Incident } from './incident.js';
import type { IncidentStore } from './incident-store.js';
import type { Notifier } from './notifier.js';

/** What the card reads of an incident's proposals: their statuses (remediation's ProposalStore fits). */
export interface IncidentProposals {
  listForIncident(incidentId: string): Promise<ReadonlyArray<{ status: string }>>;
}

/**
 * The card's runbook controls: every loaded runbook, the alerts' own first. Pure, so whoever renders the card (the
 * thread today, the outbox deliverer later) passes the same options.
 */
export function cardRunbooks(runbooks: readonly Runbook[], alerts: readonly AlertState[]): CardRunbooks {
  return {
    choices: runbooks.map((r) => ({ name: r.name, title: r.title })),
    defaultRunbook: runbookForAlerts(runbooks, alerts)?.name,
  };
}

/** An incident's Slack thread: the live card at its root and the messages under it. */
export class IncidentThread {
  constructor(
    private readonly store: IncidentStore,
    private readonly proposals: IncidentProposals,
    private readonly notifier: Pick<Notifier, 'post' | 'update'>,
    /** The loaded runbooks, for the card's runbook select. */
    private readonly runbooks: readonly Runbook[] = [],
  ) {}

  /** Posts the card if the incident has no thread yet (idempotent across retries); returns the thread ts. */
  async ensureThread(incident: Incident): Promise<string> {
    if (incident.threadTs) return incident.threadTs;
    const alerts = await this.store.listAlerts(incident.id);
    const ts = await this.notifier.post(
      incident.channel,
      incidentCard(incident, alerts, { now: new Date().toISOString(), runbooks: cardRunbooks(this.runbooks, alerts) }),
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
    return incidentCard(incident, alerts, {
      openProposals,
      withdrawnProposals,
      now: new Date().toISOString(),
      runbooks: cardRunbooks(this.runbooks, alerts),
    });
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

import type { ChainableCommander } from 'ioredis';
import { incidentCard } from '../blocks/incident-card.js';
import type { CardRunbooks } from '../blocks/incident-controls.js';
import type { SlackMessage } from '../blocks/types.js';
import { commit } from '../kernel/commit.js';
import { runbookForAlerts } from '../runbooks/match-runbook.js';
import type { Runbook } from '../runbooks/runbook-schema.js';
import type { AlertState } from './incident.js';
import type { IncidentStore } from './incident-store.js';
import { cardKey, type OwedEffects } from './owed-effects.js';

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

/**
 * An incident's Slack thread: the live card at its root and the messages under it, all owed through the outbox.
 * Nothing here calls Slack: each method records an effect in the state Redis (in the caller's MULTI where it has
 * one), and the deliverer makes Slack match. The card is rendered from state when delivered (posted while it has no
 * ts, updated after, the latest state winning); a thread message is posted once under its stable key.
 */
export class IncidentThread {
  constructor(
    private readonly store: IncidentStore,
    private readonly proposals: IncidentProposals,
    private readonly effects: OwedEffects,
    /** The loaded runbooks, for the card's runbook select. */
    private readonly runbooks: readonly Runbook[] = [],
  ) {}

  /**
   * Owes the card (posted if it has no ts yet, else redrawn from state) in `multi`, and the redraw of its copy in the
   * incident's own channel (nothing to do when it has none).
   */
  card(multi: ChainableCommander, incidentId: string): ChainableCommander {
    this.effects.owe(multi, { kind: 'card', incidentId });
    return this.effects.owe(multi, { kind: 'redraw', key: channelCardKey(incidentId) });
  }

  /** Owes a copy of the card at the top of `channel` (the incident's own channel), rendered from state, once. */
  async postCardIn(channel: string, incidentId: string): Promise<void> {
    await this.effects.oweNow({ kind: 'post', key: channelCardKey(incidentId), channel });
  }

  /** Owes a message under `key` in the incident's thread, in `multi`; posted once, after the card. */
  say(multi: ChainableCommander, incidentId: string, key: string, message?: SlackMessage): ChainableCommander {
    return this.effects.owe(multi, { kind: 'post', key, incidentId, ...(message ? { message } : {}) });
  }

  /** Owes a redraw of the message posted under `key` (rendered from state when delivered), in `multi`. */
  redrawIn(multi: ChainableCommander, key: string): ChainableCommander {
    return this.effects.owe(multi, { kind: 'redraw', key });
  }

  /** Owes the card on its own (no state change to commit with it). */
  async refreshCard(incidentId: string): Promise<void> {
    await commit(this.card(this.store.multi(), incidentId));
  }

  /** Owes a thread message on its own; idempotent by `key`. */
  async post(incidentId: string, key: string, message?: SlackMessage): Promise<void> {
    await this.effects.oweNow({ kind: 'post', key, incidentId, ...(message ? { message } : {}) });
  }

  /** Owes a redraw on its own. */
  async redraw(key: string): Promise<void> {
    await this.effects.oweNow({ kind: 'redraw', key });
  }

  /** The thread's root ts once the card is in Slack; also mends the incident's thread index if it lags. */
  async threadTs(incidentId: string): Promise<string | undefined> {
    const sent = await this.effects.ts(cardKey(incidentId));
    if (!sent) return undefined;
    const incident = await this.store.get(incidentId);
    if (incident && incident.threadTs !== sent.ts) await this.store.bindThread(incidentId, sent.channel, sent.ts);
    return sent.ts;
  }

  /** The card as it stands now, for the deliverer; undefined when the incident is gone. */
  async renderCard(incidentId: string): Promise<{ channel: string; message: SlackMessage } | undefined> {
    const incident = await this.store.get(incidentId);
    if (!incident) return undefined;
    const [alerts, proposals] = await Promise.all([
      this.store.listAlerts(incident.id),
      this.proposals.listForIncident(incident.id),
    ]);
    const openProposals = proposals.filter((p) => p.status === 'pending').length;
    const withdrawnProposals = proposals.filter((p) => p.status === 'withdrawn').length;
    return {
      channel: incident.channel,
      message: incidentCard(incident, alerts, {
        openProposals,
        withdrawnProposals,
        now: new Date().toISOString(),
        runbooks: cardRunbooks(this.runbooks, alerts),
      }),
    };
  }

  /** A message rendered from state when delivered: the card's copy in the incident's own channel. */
  async renderMessage(key: string): Promise<SlackMessage | undefined> {
    if (!key.startsWith(CHANNEL_CARD)) return undefined;
    return (await this.renderCard(key.slice(CHANNEL_CARD.length)))?.message;
  }

  /**
   * Records where a message the incident owns landed (the deliverer calls this for every first post): the card (its
   * thread, so thread lookups find it), its copy in the incident's own channel, and the link to that channel.
   */
  async posted(key: string, sent: { channel: string; ts: string }): Promise<void> {
    if (key.startsWith(CARD)) {
      await this.store.bindThread(key.slice(CARD.length), sent.channel, sent.ts);
    } else if (key.startsWith(CHANNEL_CARD)) {
      await this.store.update(key.slice(CHANNEL_CARD.length), { incidentChannelCardTs: sent.ts });
    } else if (key.startsWith(CHANNEL_LINK)) {
      await this.store.update(key.slice(CHANNEL_LINK.length), { incidentChannelLinkTs: sent.ts });
    }
  }
}

const CARD = cardKey('');
const CHANNEL_CARD = 'channel-card:';
const CHANNEL_LINK = 'channel-link:';

/** The outbox key of the triage thread's link to the incident's own channel. */
export function channelLinkKey(incidentId: string): string {
  return `${CHANNEL_LINK}${incidentId}`;
}

/** The outbox key of the card's copy in the incident's own channel. */
export function channelCardKey(incidentId: string): string {
  return `${CHANNEL_CARD}${incidentId}`;
}

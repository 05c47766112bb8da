import type { Redis } from 'ioredis';
import { z } from 'zod';
import { incidentChannelLinkMessage } from '../blocks/lifecycle.js';
import type { Enqueue } from '../kernel/enqueue.js';
import { AppError } from '../kernel/errors.js';
import { IncidentIdSchema, SLACK_USER_ID } from '../kernel/ids.js';
import { withLock } from '../kernel/lock.js';
import type { Logger } from '../kernel/logger.js';
import type { Incident, Severity } from './incident.js';
import type { IncidentStore } from './incident-store.js';
import { channelLinkKey, type IncidentThread } from './incident-thread.js';
import type { Notifier } from './notifier.js';
import type { Timeline } from './timeline.js';

/** An `incident.channel` job: give an incident its own channel (jobs/catalog.ts lists it). */
export const IncidentChannelJobSchema = z.object({
  incidentId: IncidentIdSchema,
  /** The Slack user who asked (the card's Declare button), or `auto` (the severity policy). */
  requestedBy: z.string().min(1).max(40),
});
export type IncidentChannelJobs = { 'incident.channel': z.output<typeof IncidentChannelJobSchema> };

/** Slack's limit on a channel name. */
export const CHANNEL_NAME_MAX = 80;
/** Names tried before giving up: `inc-3-title`, then `-2` … `-20`. */
const MAX_ATTEMPTS = 20;

/**
 * The channel name for an incident: its id and title, slugified as Slack requires (lowercase letters, digits, `-`
 * and `_`; accents dropped; runs of anything else become one `-`), at most 80 characters; `attempt` > 1 adds a
 * suffix (`-2`) for a name already taken. Pure.
 */
export function incidentChannelName(incidentId: string, title: string, attempt = 1): string {
  const slug = `${incidentId}-${title}`
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const suffix = attempt > 1 ? `-${attempt}` : '';
  return `${slug.slice(0, CHANNEL_NAME_MAX - suffix.length).replace(/-+$/, '')}${suffix}`;
}

export interface IncidentChannelsDeps {
  redis: Redis;
  prefix: string;
  store: IncidentStore;
  timeline: Timeline;
  thread: IncidentThread;
  slack: Pick<Notifier, 'createChannel' | 'invite'>;
  queues: Enqueue<IncidentChannelJobs>;
  /** `incidentChannels.severities`: incidents of these severities get a channel on their own (empty: never). */
  severities: readonly Severity[];
  logger: Logger;
}

/**
 * Incidents' own channels: created with `conversations.create` (name from id and title, a suffix when taken), the
 * commander and the requester invited, the card posted there (and kept current with the thread's), linked from the
 * triage thread; slash commands in the channel then act on its incident (`findIncident`). Each step is done once,
 * whatever is retried: the channel is bound to the incident before anything else, and the card and the link are
 * owed through the outbox under stable keys.
 */
export class IncidentChannels {
  constructor(private readonly d: IncidentChannelsDeps) {}

  /** Whether the severity policy wants a channel for this incident (and it has none yet). */
  wanted(incident: Pick<Incident, 'severity' | 'status' | 'incidentChannel'>): boolean {
    return incident.status === 'open' && !incident.incidentChannel && this.d.severities.includes(incident.severity);
  }

  /** Queues the channel when the severity policy wants one; a no-op otherwise. One call per place it may start. */
  async ensureFor(incident: Pick<Incident, 'id' | 'severity' | 'status' | 'incidentChannel'>): Promise<void> {
    if (!this.wanted(incident)) return;
    await this.d.queues.add(
      'incident.channel',
      { incidentId: incident.id, requestedBy: 'auto' },
      `channel-${incident.id}`,
    );
  }

  /** Queues the channel someone asked for (the card's Declare button). */
  async request(incidentId: string, user: string): Promise<void> {
    await this.d.queues.add('incident.channel', { incidentId, requestedBy: user });
  }

  /**
   * Opens (or finishes opening) the incident's own channel; returns its id. Serialised per incident, so a double
   * click or two replicas make one channel.
   */
  async open(incidentId: string, requestedBy: string): Promise<string> {
    return withLock(this.d.redis, `${this.d.prefix}:lock:incident-channel:${incidentId}`, 60_000, async () => {
      const log = this.d.logger.child({ incidentId });
      let incident = await this.d.store.require(incidentId);
      if (!incident.incidentChannel) {
        const created = await this.create(incident);
        await this.d.store.bindIncidentChannel(incidentId, created.id);
        await this.d.timeline.append(incidentId, {
          type: 'channel.created',
          actor: requestedBy === 'auto' ? 'bot' : requestedBy,
          text: `Incident channel #${created.name} opened${requestedBy === 'auto' ? ` (severity ${incident.severity})` : ` by <@${requestedBy}>`}`,
          data: { channel: created.id, name: created.name },
        });
        log.info({ channel: created.id, name: created.name }, 'incident channel created');
        incident = await this.d.store.require(incidentId);
      }
      const channel = incident.incidentChannel;
      const invitees = [...new Set([incident.commander, requestedBy].filter((u) => SLACK_USER_ID.test(u)))];
      await this.d.slack.invite(channel, invitees);
      // Owed through the outbox under stable keys: posted once each, however often this is retried.
      await this.d.thread.postCardIn(channel, incidentId);
      await this.d.thread.post(
        incidentId,
        channelLinkKey(incidentId),
        incidentChannelLinkMessage(incidentId, channel, requestedBy),
      );
      // The thread's card now links the channel (and loses its Declare control).
      await this.d.thread.refreshCard(incidentId);
      return channel;
    });
  }

  /** conversations.create under the incident's name, with `-2`, `-3`, … while Slack says the name is taken. */
  private async create(incident: Incident): Promise<{ id: string; name: string }> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      try {
        return await this.d.slack.createChannel(incidentChannelName(incident.id, incident.title, attempt));
      } catch (err) {
        if (!(err instanceof AppError && err.details?.slackError === 'name_taken')) throw err;
      }
    }
    throw new AppError(
      'SLACK_API_REFUSED',
      `no free channel name for ${incident.id}: ${incidentChannelName(incident.id, incident.title)} and ${MAX_ATTEMPTS - 1} suffixes are taken`,
    );
  }
}

import type { FiledMessage } from '../../blocks/incident-controls.js';
import {
  commanderChangedMessage,
  incidentOpenedMessage,
  incidentResolvedMessage,
  messageFiledMessage,
  noteMessage,
  severityChangedMessage,
} from '../../blocks/lifecycle.js';
import type { Severity } from '../../incidents/incident.js';
import type { IncidentChannels } from '../../incidents/incident-channel.js';
import type { IncidentStore } from '../../incidents/incident-store.js';
import type { IncidentThread } from '../../incidents/incident-thread.js';
import type { Notifier } from '../../incidents/notifier.js';
import type { Timeline } from '../../incidents/timeline.js';
import { commit } from '../../kernel/commit.js';
import { isAppError } from '../../kernel/errors.js';
import type { Logger } from '../../kernel/logger.js';
import { utc } from '../../kernel/time.js';

export interface IncidentLifecycleDeps {
  store: IncidentStore;
  timeline: Timeline;
  thread: IncidentThread;
  /** Withdraws an incident's pending proposals when it resolves (remediation's ProposalService fits). */
  proposals: { withdrawPending(incidentId: string): Promise<unknown> };
  /** Incidents' own channels: opened on request, or queued when the severity calls for one. */
  channels: Pick<IncidentChannels, 'open' | 'ensureFor'>;
  /** For the permalink of a filed message. */
  notifier: Pick<Notifier, 'permalink'>;
}

/**
 * The background half of `/incident new|note|severity|commander|resolve` (typed, mentioned or clicked) and of the
 * "Add to incident timeline" shortcut: the state change, its timeline entry and the Slack effects it owes (a thread
 * message under a stable key, the card) commit in one MULTI; Slack follows through the outbox. `key` names the
 * request (its job id), so a retried job changes and posts nothing twice.
 */
export class IncidentLifecycle {
  constructor(private readonly d: IncidentLifecycleDeps) {}

  /** Owes the card and the "opened" message of an incident opened by hand; then its own channel when asked or due. */
  async open(incidentId: string, user: string, channel = false): Promise<void> {
    const incident = await this.d.store.require(incidentId);
    const tx = this.d.thread.card(this.d.store.multi(), incidentId);
    this.d.thread.say(tx, incidentId, `opened:${incidentId}`, incidentOpenedMessage(user, incident.commander || user));
    await commit(tx);
    if (channel) await this.d.channels.open(incidentId, user);
    else await this.d.channels.ensureFor(incident);
  }

  /**
   * A note on the timeline and in the thread. On a resolved incident it is still accepted (findings after the fact
   * belong in the postmortem) but labelled as added after resolution, on the timeline (`data.afterResolution`), in
   * the thread and in the export.
   */
  async note(incidentId: string, user: string, text: string, key: string): Promise<void> {
    const incident = await this.d.store.require(incidentId);
    const afterResolution = incident.status === 'resolved';
    const id = `note:${incidentId}:${key}`;
    await this.d.store.commitOnce(id, (tx) => {
      this.d.timeline.appendIn(tx, incidentId, {
        type: 'note',
        actor: user,
        text,
        data: afterResolution ? { afterResolution, resolvedAt: incident.resolvedAt } : {},
      });
      this.d.thread.say(tx, incidentId, id, noteMessage(user, text, { afterResolution }));
    });
  }

  async severity(incidentId: string, user: string, severity: Severity, key: string): Promise<void> {
    const before = await this.d.store.require(incidentId);
    if (before.severity === severity) return;
    const id = `severity:${incidentId}:${key}`;
    await this.d.store.commitOnce(id, (tx) => {
      this.d.store.updateIn(tx, incidentId, { severity });
      this.d.timeline.appendIn(tx, incidentId, {
        type: 'severity.changed',
        actor: user,
        text: `Severity ${before.severity} → ${severity} by <@${user}>`,
        data: { from: before.severity, to: severity },
      });
      this.d.thread.say(tx, incidentId, id, severityChangedMessage(before.severity, severity, user));
      this.d.thread.card(tx, incidentId);
    });
    await this.d.channels.ensureFor(await this.d.store.require(incidentId));
  }

  async commander(incidentId: string, user: string, commander: string, key: string): Promise<void> {
    const before = await this.d.store.require(incidentId);
    if (before.commander === commander) return;
    const id = `commander:${incidentId}:${key}`;
    await this.d.store.commitOnce(id, (tx) => {
      this.d.store.updateIn(tx, incidentId, { commander });
      this.d.timeline.appendIn(tx, incidentId, {
        type: 'commander.changed',
        actor: user,
        text: `Commander ${before.commander ? `<@${before.commander}>` : 'unassigned'} → <@${commander}> (set by <@${user}>)`,
        data: { from: before.commander, to: commander },
      });
      this.d.thread.say(tx, incidentId, id, commanderChangedMessage(commander, user));
      this.d.thread.card(tx, incidentId);
    });
  }

  async resolve(incidentId: string, user: string, summary: string, key: string, logger: Logger): Promise<void> {
    const incident = await this.d.store.require(incidentId);
    if (incident.status === 'resolved') {
      logger.info({ incidentId }, 'already resolved');
      // Resolved already (its alerts did, say): a summary given now is the resolution's summary (card, export).
      if (summary) {
        const id = `summary:${incidentId}:${key}`;
        await this.d.store.commitOnce(id, (tx) => {
          this.d.store.updateIn(tx, incidentId, { summary });
          this.d.timeline.appendIn(tx, incidentId, {
            type: 'command',
            actor: user,
            text: `Resolution summary by <@${user}>: ${summary}`,
            data: { command: 'resolve', summary, resolvedAt: incident.resolvedAt },
          });
          this.d.thread.say(tx, incidentId, id, incidentResolvedMessage(user, summary));
          this.d.thread.card(tx, incidentId);
        });
      }
      return;
    }
    const resolvedAt = new Date().toISOString();
    // Before the status: a retry after a crash in between still finds the incident open and withdraws again.
    await this.d.proposals.withdrawPending(incidentId);
    const id = `resolved:${incidentId}:${key}`;
    await this.d.store.commitOnce(id, (tx) => {
      this.d.store.updateIn(tx, incidentId, { status: 'resolved', resolvedAt, ...(summary ? { summary } : {}) });
      this.d.timeline.appendIn(tx, incidentId, {
        type: 'incident.resolved',
        actor: user,
        text: `Resolved by <@${user}>${summary ? `: ${summary}` : ''}`,
        data: { resolvedAt, summary },
      });
      this.d.thread.say(tx, incidentId, id, incidentResolvedMessage(user, summary));
      this.d.thread.card(tx, incidentId);
    });
  }

  /**
   * Files a Slack message on the timeline: its author, time, text and permalink, filed by `user`. A permalink Slack
   * will not give (message gone, channel not readable) leaves the entry without one rather than losing it.
   */
  async fileMessage(incidentId: string, user: string, message: FiledMessage, logger: Logger): Promise<void> {
    let permalink = '';
    try {
      permalink = await this.d.notifier.permalink(message.channel, message.ts);
    } catch (err) {
      const code = isAppError(err) ? err.details?.slackError : undefined;
      if (!isAppError(err, 'SLACK_API_REFUSED') && code !== 'message_not_found') throw err;
      logger.warn({ incidentId, slackError: code }, 'no permalink for a filed message');
    }
    const at = new Date(Math.floor(Number(message.ts) * 1000)).toISOString();
    // One message is filed once per incident, however often the shortcut is used on it or the job retried.
    const id = `filed:${incidentId}:${message.channel}:${message.ts}`;
    await this.d.store.commitOnce(id, (tx) => {
      this.d.timeline.appendIn(tx, incidentId, {
        type: 'message.filed',
        actor: user,
        text: `Message from ${/^[UW][A-Z0-9]+$/.test(message.author) ? `<@${message.author}>` : message.author} at ${utc(at)}${permalink ? ` (${permalink})` : ''}: ${message.text}`,
        data: { author: message.author, at, ts: message.ts, channel: message.channel, text: message.text, permalink },
      });
      this.d.thread.say(
        tx,
        incidentId,
        id,
        messageFiledMessage({ user, author: message.author, at: utc(at), permalink }),
      );
    });
  }
}

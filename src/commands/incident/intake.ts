import { incidentStatusLine, invalidCommandReply, openIncidentsReply, STATUS_PAGE_SIZE } from '../../blocks/replies.js';
import { safe } from '../../blocks/text.js';
import { type Incident, newIncident } from '../../incidents/incident.js';
import type { IncidentChannels } from '../../incidents/incident-channel.js';
import type { IncidentStore } from '../../incidents/incident-store.js';
import type { Timeline } from '../../incidents/timeline.js';
import type { Enqueue } from '../../kernel/enqueue.js';
import type { Logger } from '../../kernel/logger.js';
import type { TargetRegistry } from '../../targets/target-registry.js';
import { findIncident } from '../find-incident.js';
import { type CommandContext, type CommandReply, commandLabel, type SlashHandler } from '../slash-handler.js';
import type { IncidentJobs } from './jobs.js';
import { INCIDENT_USAGE, type IncidentCommand, parseIncidentCommand } from './parse.js';

export interface IncidentCommandIntakeDeps {
  store: IncidentStore;
  timeline: Timeline;
  queues: Enqueue<IncidentJobs>;
  /** Where `/incident new` opens its thread (SLACK_CHANNEL), unless its target has a channel of its own. */
  defaultChannel: string;
  /** The configured targets, which `/incident new … --target <name>` must name. */
  targets: Pick<TargetRegistry, 'get' | 'list'>;
  /** Queues an incident's own channel (the card's Declare button). */
  channels: Pick<IncidentChannels, 'request'>;
}

/**
 * The quick half of `/incident`: find the incident, record the command on its timeline, queue the work. Returns the
 * private reply, so the listener acks within Slack's 3 s whatever Slack or the targets are doing.
 */
export class IncidentCommandIntake implements SlashHandler {
  constructor(private readonly d: IncidentCommandIntakeDeps) {}

  /** `text` is what followed `/incident`; unknown input is answered with usage. */
  async handle(text: string, ctx: CommandContext, logger: Logger): Promise<string> {
    return (await this.run(parseIncidentCommand(text), ctx, logger)).text;
  }

  /**
   * Runs a parsed command: the same path for a typed `/incident` and for the thread's surfaces (mentions, card
   * controls), which give the incident in `ctx.incidentId`.
   */
  async run(cmd: IncidentCommand, ctx: CommandContext, logger: Logger): Promise<CommandReply> {
    const done = (text: string): CommandReply => ({ ok: true, text });
    const refused = (text: string): CommandReply => ({ ok: false, text });
    switch (cmd.kind) {
      case 'help':
        return done(INCIDENT_USAGE);
      case 'invalid':
        return refused(invalidCommandReply(cmd.reason, INCIDENT_USAGE));
      case 'new':
        return done(await this.open(cmd, ctx, logger));
      case 'status': {
        if (!cmd.page) {
          const found = await findIncident(this.d.store, ctx, cmd.incidentId);
          if ('incident' in found) return done(incidentStatusLine(found.incident));
          if (cmd.incidentId || ctx.incidentId) return refused(found.error);
        }
        // One page of the open incidents in one indexed round trip, whatever is open.
        const page = cmd.page ?? 1;
        const { total, incidents } = await this.d.store.openByRank((page - 1) * STATUS_PAGE_SIZE, STATUS_PAGE_SIZE);
        return done(openIncidentsReply({ total, page, incidents }));
      }
      default: {
        const found = await findIncident(this.d.store, ctx, cmd.incidentId);
        if (!('incident' in found)) return refused(found.error);
        const { incident } = found;
        if (cmd.kind === 'timeline' || cmd.kind === 'export') {
          // These change nothing else, so the timeline records the command itself (who and when).
          const words = `${cmd.kind}${cmd.kind === 'export' ? ` ${cmd.format}` : ''}`;
          await this.d.timeline.append(incident.id, {
            type: 'command',
            actor: ctx.user,
            text: `${commandLabel('/incident', words, ctx)} by <@${ctx.user}>`,
            data: { command: cmd.kind, via: ctx.via ?? 'slash' },
          });
        }
        const jobId = await this.enqueue(cmd, incident.id, ctx.user);
        logger.info({ incidentId: incident.id, command: cmd.kind, jobId, via: ctx.via }, 'incident command queued');
        return done(ACK[cmd.kind](incident));
      }
    }
  }

  /**
   * `/incident new`. With a target (which must be configured; else nothing is opened and the reply lists the known
   * ones), the incident is that target's like an alert's would be: it opens in the target's channel, and `/redis
   * diag` and new alert groups for the target join it under the same rules (open, within `incidents.groupWindow`).
   */
  private async open(cmd: Extract<IncidentCommand, { kind: 'new' }>, ctx: CommandContext, logger: Logger) {
    const { title, target: targetName } = cmd;
    const target = targetName === undefined ? undefined : this.d.targets.get(targetName);
    if (targetName !== undefined && !target) return unknownTarget(targetName, this.d.targets.list());
    const id = await this.d.store.nextId();
    const now = new Date().toISOString();
    const channel = target?.channel ?? this.d.defaultChannel;
    const incident = newIncident({
      id,
      title,
      severity: 'sev3',
      channel,
      commander: ctx.user,
      createdAt: now,
      ...(target ? { target: target.name } : {}),
    });
    await this.d.store.create(incident);
    await this.d.timeline.append(id, {
      type: 'incident.opened',
      actor: ctx.user,
      text: `Opened by <@${ctx.user}>: ${title}${target ? ` (target ${target.name})` : ''}`,
      data: { commander: ctx.user, ...(target ? { target: target.name } : {}) },
    });
    await this.d.queues.add('incident.open', { incidentId: id, user: ctx.user, channel: cmd.channel === true });
    logger.info({ incidentId: id, target: target?.name, ownChannel: cmd.channel === true }, 'incident opened by hand');
    const about = target ? ` for \`${target.name}\`` : '';
    const own = cmd.channel ? ' and its own channel' : '';
    return `Opening ${id}${about} in <#${channel}>${own}, you as commander.`;
  }

  /**
   * The card's "Declare incident" button: the incident's own channel, queued. Returns the private answer (the
   * thread links the channel once it exists).
   */
  async declareChannel(incidentId: string, user: string, logger: Logger): Promise<string> {
    const incident = await this.d.store.get(incidentId);
    if (!incident) return `No incident ${incidentId}.`;
    if (incident.incidentChannel) return `${incident.id} already has its own channel: <#${incident.incidentChannel}>.`;
    if (incident.status === 'resolved') return `${incident.id} is resolved; it gets no channel of its own now.`;
    await this.d.channels.request(incident.id, user);
    logger.info({ incidentId, user }, 'incident channel requested');
    return `Opening a channel for ${incident.id}; the thread will link it.`;
  }

  /** Queues the command's own job kind; returns the job id. */
  private enqueue(cmd: Extract<IncidentCommand, { kind: QueuedKind }>, incidentId: string, user: string) {
    const q = this.d.queues;
    switch (cmd.kind) {
      case 'note':
        return q.add('incident.note', { incidentId, user, text: cmd.text });
      case 'severity':
        return q.add('incident.severity', { incidentId, user, severity: cmd.severity });
      case 'commander':
        return q.add('incident.commander', { incidentId, user, commander: cmd.commander });
      case 'resolve':
        return q.add('incident.resolve', { incidentId, user, summary: cmd.summary });
      case 'timeline':
        return q.add('incident.timeline', { incidentId, user });
      case 'export':
        return q.add('incident.export', { incidentId, user, format: cmd.format });
    }
  }
}

type QueuedKind = Exclude<IncidentCommand['kind'], 'help' | 'invalid' | 'new' | 'status'>;

const ACK: Record<QueuedKind, (i: Incident) => string> = {
  note: (i) =>
    i.status === 'resolved'
      ? `Note added to ${i.id}, labelled as added after resolution (${i.id} is resolved).`
      : `Note added to ${i.id}.`,
  severity: (i) => `Changing the severity of ${i.id}…`,
  commander: (i) => `Changing the commander of ${i.id}…`,
  resolve: (i) =>
    i.status === 'resolved' ? `${i.id} is already resolved; your summary goes to its timeline.` : `Resolving ${i.id}…`,
  timeline: (i) => `Posting the timeline of ${i.id} in its thread…`,
  export: (i) => `Exporting the postmortem of ${i.id} to its thread…`,
};

/** The private answer to a target name the config does not know: nothing was opened; these are the names. */
export function unknownTarget(name: string, known: ReadonlyArray<{ name: string }>): string {
  const names = known.map((t) => `\`${t.name}\``).join(', ') || 'none configured (CONFIG_FILE `targets:`)';
  return `No target \`${safe(name, 100)}\`; nothing was opened. Known targets: ${names}.`;
}

import type { FiledMessage } from '../../blocks/incident-controls.js';
import { invalidCommandReply } from '../../blocks/replies.js';
import type { Incident } from '../../incidents/incident.js';
import type { IncidentStore } from '../../incidents/incident-store.js';
import type { Enqueue } from '../../kernel/enqueue.js';
import type { Logger } from '../../kernel/logger.js';
import { runbookForAlerts } from '../../runbooks/match-runbook.js';
import type { Runbook } from '../../runbooks/runbook-schema.js';
import type { IncidentJobs } from '../incident/jobs.js';
import type { IncidentCommand } from '../incident/parse.js';
import type { RedisCommand } from '../redis/parse.js';
import type { CommandContext, CommandReply } from '../slash-handler.js';
import { parseThreadCommand, type ThreadCommand, threadUsage } from './parse.js';

/** The intakes the thread's surfaces hand their commands to (IncidentCommandIntake, RedisCommandIntake). */
export interface CommandRunner<C> {
  run(cmd: C, ctx: CommandContext, logger: Logger): Promise<CommandReply>;
}

export interface ThreadCommandsDeps {
  store: IncidentStore;
  incidents: CommandRunner<IncidentCommand>;
  redis: CommandRunner<RedisCommand>;
  runbooks: readonly Runbook[];
  queues: Enqueue<Pick<IncidentJobs, 'incident.file-message'>>;
}

/** Which incident a surface is about: the one its control names, else the one whose thread it is in. */
export interface IncidentRef {
  incidentId?: string | undefined;
  channel: string;
  threadTs?: string | undefined;
}

/** How many open incidents the choose-incident modal offers (Slack's cap on a select's options). */
const CHOOSABLE = 100;

/** Where the "Add to incident timeline" shortcut sends a message. */
export type FileOutcome = { reply: CommandReply } | { choose: Incident[] };

/**
 * Everything done from an incident's thread without typing an id: `@bot` mentions, the card's controls, the note
 * modal, the "Add to incident timeline" shortcut. Each finds its incident from the thread (or the control), then
 * goes down the same path as the slash commands (the intakes: timeline, rate limit, requester, jobs), so a click
 * and a typed command cannot drift apart. Called after the Slack request was acked.
 */
export class ThreadCommands {
  constructor(private readonly d: ThreadCommandsDeps) {}

  /**
   * The incident a control or thread belongs to, if any: the one the control names, else the one whose thread this
   * is, else the one whose own channel this is (incident channels: its card's copy and its threads there).
   */
  async find(ref: IncidentRef): Promise<Incident | undefined> {
    const id =
      ref.incidentId ??
      (ref.threadTs ? await this.d.store.findByThread(ref.channel, ref.threadTs) : undefined) ??
      (await this.d.store.findByIncidentChannel(ref.channel));
    return id ? this.d.store.get(id) : undefined;
  }

  /**
   * A mention: `text` is what followed the bot's name. Outside an incident's thread (or own channel) it answers with
   * help. The
   * reply is always told privately (help and status are the answer; the rest confirm or refuse).
   */
  async mention(text: string, ctx: CommandContext, logger: Logger, botUserId?: string): Promise<CommandReply> {
    const cmd = parseThreadCommand(text);
    const incident = await this.find({ channel: ctx.channel, threadTs: ctx.threadTs });
    if (!incident) {
      const where = ctx.threadTs ? 'This thread is not an incident thread' : 'I act on incidents from their threads';
      return {
        ok: cmd.kind === 'help',
        text: `${where}: mention me in the thread under an incident card (or in an incident's own channel). Slash commands (\`/incident help\`) work in channels.\n${threadUsage(botUserId)}`,
      };
    }
    return this.run(cmd, incident, ctx, logger, botUserId);
  }

  /** A command from the card or a mention, on a known incident: the intakes do the rest. */
  async run(
    cmd: ThreadCommand,
    incident: Incident,
    ctx: CommandContext,
    logger: Logger,
    botUserId?: string,
  ): Promise<CommandReply> {
    const on: CommandContext = { ...ctx, incidentId: incident.id };
    if ('incidentId' in cmd && cmd.incidentId && cmd.incidentId !== incident.id) {
      return {
        ok: false,
        text: `This is the thread of ${incident.id}; act on ${cmd.incidentId} from its own thread, or with \`/incident … ${cmd.incidentId}\` in a channel.`,
      };
    }
    switch (cmd.kind) {
      case 'help':
        return { ok: true, text: threadUsage(botUserId) };
      case 'invalid':
        return { ok: false, text: invalidCommandReply(cmd.reason, threadUsage(botUserId)) };
      case 'diag':
        return this.diagnose(incident, cmd.runbook, on, logger);
      default:
        return this.d.incidents.run({ ...cmd, incidentId: incident.id }, on, logger);
    }
  }

  /**
   * A runbook on the incident's target: the one named, else the alert's, else the target's default (`/redis diag`'s
   * rule). `/redis diag`'s path from there on.
   */
  private async diagnose(
    incident: Incident,
    runbook: string | undefined,
    ctx: CommandContext,
    logger: Logger,
  ): Promise<CommandReply> {
    if (!incident.target) {
      return {
        ok: false,
        text: `${incident.id} has no known target, so there is nothing to diagnose from here; \`/redis diag <target>\` in a channel runs one on any target.`,
      };
    }
    // The alert's runbook; an incident without one (opened by hand) gets the target's default, as `/redis diag`.
    const name = runbook ?? runbookForAlerts(this.d.runbooks, await this.d.store.listAlerts(incident.id))?.name;
    const cmd: RedisCommand = name
      ? { kind: 'diag', target: incident.target, runbook: name }
      : { kind: 'diag', target: incident.target };
    return this.d.redis.run(cmd, ctx, logger);
  }

  /**
   * "Add to incident timeline" on a message: filed on the incident of its thread, else the person chooses among
   * the open incidents (or is told none is open).
   */
  async fileMessage(message: FiledMessage, ctx: CommandContext, logger: Logger): Promise<FileOutcome> {
    const incident = await this.find({ channel: message.channel, threadTs: message.threadTs ?? message.ts });
    if (incident) return { reply: await this.fileOn(incident, message, ctx, logger) };
    // One indexed round trip, whatever is open: the modal offers the first 100, most severe first, then newest.
    const { incidents: open } = await this.d.store.openByRank(0, CHOOSABLE);
    if (open.length === 0) {
      return {
        reply: {
          ok: false,
          text: 'That message is not in an incident thread, and no incident is open to file it on.',
        },
      };
    }
    return { choose: open };
  }

  /** Files the message on the chosen incident (the choose-incident modal's submission). */
  async fileMessageOn(
    incidentId: string,
    message: FiledMessage,
    ctx: CommandContext,
    logger: Logger,
  ): Promise<CommandReply> {
    const incident = await this.d.store.get(incidentId);
    if (!incident) return { ok: false, text: `No incident ${incidentId}; nothing filed.` };
    return this.fileOn(incident, message, ctx, logger);
  }

  private async fileOn(
    incident: Incident,
    message: FiledMessage,
    ctx: CommandContext,
    logger: Logger,
  ): Promise<CommandReply> {
    // One filing per message and incident: the job id makes a double click (or Slack's retry) one job.
    const jobId = `file-${incident.id}-${message.channel}-${message.ts}`;
    await this.d.queues.add('incident.file-message', { incidentId: incident.id, user: ctx.user, message }, jobId);
    logger.info({ incidentId: incident.id, jobId }, 'message filing queued');
    return { ok: true, text: `Filing that message on the timeline of ${incident.id}…` };
  }
}

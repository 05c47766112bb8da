import type { Logger } from '../logger.js';
import type { Queues } from '../queues/queues.js';
import { INCIDENT_USAGE, type IncidentCommand } from '../slack/commands/parse-incident-command.js';
import type { Incident } from './incident.js';
import type { IncidentStore } from './incident-store.js';
import type { Timeline } from './timeline.js';

/** Where a slash command was typed and by whom. */
export interface CommandContext {
  user: string;
  channel: string;
  /** Present when Slack sends it (a command typed in a thread). */
  threadTs?: string | undefined;
}

export interface IncidentCommandsDeps {
  store: IncidentStore;
  timeline: Timeline;
  queues: Queues;
}

/**
 * The quick part of `/incident`: find the incident the command is about, record it on the timeline and queue the
 * work. Returns the private reply, so the listener only acks (Slack's 3 s budget is never at risk).
 */
export class IncidentCommands {
  constructor(private readonly d: IncidentCommandsDeps) {}

  async handle(cmd: IncidentCommand, ctx: CommandContext, logger: Logger): Promise<string> {
    switch (cmd.kind) {
      case 'help':
        return INCIDENT_USAGE;
      case 'invalid':
        return `${cmd.reason}.\n${INCIDENT_USAGE}`;
      case 'status': {
        const found = await this.find(ctx, cmd.incidentId);
        if ('incident' in found) return describe(found.incident);
        const open = await this.d.store.listOpen();
        if (open.length === 0) return 'No open incidents.';
        return `*Open incidents (${open.length}):*\n${open.map((i) => `• ${describe(i)}`).join('\n')}`;
      }
      case 'timeline':
      case 'export': {
        const found = await this.find(ctx, cmd.incidentId);
        if (!('incident' in found)) return found.error;
        const { incident } = found;
        const format = cmd.kind === 'export' ? cmd.format : 'md';
        await this.d.timeline.append(incident.id, {
          type: 'command',
          actor: ctx.user,
          text: `/incident ${cmd.kind}${cmd.kind === 'export' ? ` ${format}` : ''} by <@${ctx.user}>`,
          data: { command: cmd.kind, format },
        });
        const jobId = await this.d.queues.add('commands', {
          command: cmd.kind,
          incidentId: incident.id,
          user: ctx.user,
          format,
        });
        logger.info({ incidentId: incident.id, command: cmd.kind, jobId }, 'incident command queued');
        return cmd.kind === 'export'
          ? `Exporting the ${format === 'md' ? 'Markdown' : 'JSON'} postmortem of ${incident.id} to its thread…`
          : `Posting the timeline of ${incident.id} in its thread…`;
      }
    }
  }

  /** The incident named, else the one whose thread the command came from, else the only open one in the channel. */
  private async find(
    ctx: CommandContext,
    incidentId: string | undefined,
  ): Promise<{ incident: Incident } | { error: string }> {
    if (incidentId) {
      const incident = await this.d.store.get(incidentId);
      return incident ? { incident } : { error: `No incident ${incidentId}.` };
    }
    if (ctx.threadTs) {
      const id = await this.d.store.findByThread(ctx.channel, ctx.threadTs);
      const incident = id ? await this.d.store.get(id) : undefined;
      if (incident) return { incident };
    }
    const open = (await this.d.store.listOpen()).filter((i) => i.channel === ctx.channel);
    if (open.length === 1 && open[0]) return { incident: open[0] };
    if (open.length === 0)
      return { error: 'No open incident in this channel; name one, e.g. `/incident timeline INC-12`.' };
    return {
      error: `Several open incidents here (${open.map((i) => i.id).join(', ')}); name one, e.g. \`/incident timeline ${open[0]?.id}\`.`,
    };
  }
}

function describe(i: Incident): string {
  return `${i.id} [${i.status}, ${i.severity}] ${i.title}${i.target ? ` — target ${i.target}` : ''} (since ${i.createdAt})`;
}

import { randomBytes } from 'node:crypto';
import { invalidCommandReply, runbooksReply } from '../../blocks/replies.js';
import { safe } from '../../blocks/text.js';
import type { DiagnosisJobs } from '../../diagnostics/diagnosis-job.js';
import { type Incident, newIncident } from '../../incidents/incident.js';
import type { IncidentStore } from '../../incidents/incident-store.js';
import type { Timeline } from '../../incidents/timeline.js';
import type { Enqueue } from '../../kernel/enqueue.js';
import type { Logger } from '../../kernel/logger.js';
import type { RateLimiter } from '../../kernel/rate-limit.js';
import { defaultRunbookFor } from '../../runbooks/default-runbook.js';
import type { Runbook } from '../../runbooks/runbook-schema.js';
import type { TargetRegistry } from '../../targets/target-registry.js';
import { findIncident } from '../find-incident.js';
import { type CommandContext, type CommandReply, commandLabel, type SlashHandler } from '../slash-handler.js';
import type { RedisJobs } from './jobs.js';
import { parseRedisCommand, REDIS_USAGE, type RedisCommand } from './parse.js';

export interface RedisCommandIntakeDeps {
  store: IncidentStore;
  timeline: Timeline;
  queues: Enqueue<RedisJobs & DiagnosisJobs>;
  targets: TargetRegistry;
  runbooks: readonly Runbook[];
  limiter: RateLimiter;
  defaultChannel: string;
  /** `incidents.groupWindow`: a diagnosis joins an open incident of its target opened this recently (0: never). */
  groupWindowMs: number;
}

/**
 * The quick half of `/redis`: validate, rate-limit (these commands read production Redis), queue, reply privately.
 * `diag` findings go to the incident of the thread/channel for that target, or to a new incident's thread.
 */
export class RedisCommandIntake implements SlashHandler {
  constructor(private readonly d: RedisCommandIntakeDeps) {}

  /** `text` is what followed `/redis`; unknown input is answered with usage. */
  async handle(text: string, ctx: CommandContext, logger: Logger): Promise<string> {
    return (await this.run(parseRedisCommand(text), ctx, logger)).text;
  }

  /**
   * Runs a parsed command: the same path (rate limit, target and runbook checks, requester) for a typed `/redis`
   * and for the thread's surfaces, which give the incident in `ctx.incidentId`.
   */
  async run(cmd: RedisCommand, ctx: CommandContext, logger: Logger): Promise<CommandReply> {
    const text = await this.answer(cmd, ctx, logger);
    return typeof text === 'string' ? { ok: true, text } : text;
  }

  /** A string when the command was served, a refusal otherwise. */
  private async answer(cmd: RedisCommand, ctx: CommandContext, logger: Logger): Promise<string | CommandReply> {
    const refused = (text: string): CommandReply => ({ ok: false, text });
    switch (cmd.kind) {
      case 'help':
        return REDIS_USAGE;
      case 'invalid':
        return refused(invalidCommandReply(cmd.reason, REDIS_USAGE));
      case 'runbooks':
        return runbooksReply(this.d.runbooks);
      default:
        break;
    }
    const limit = await this.d.limiter.take(`redis:${ctx.user}`);
    if (!limit.allowed) {
      return refused(
        `You have run a lot of \`/redis\` commands just now; please wait ${Math.ceil(limit.retryAfterMs / 1000)} s. (The limit keeps diagnostics from loading production Redis.)`,
      );
    }
    if (cmd.kind === 'targets') {
      await this.d.queues.add('redis.targets', { user: ctx.user, channel: ctx.channel });
      return `Checking ${this.d.targets.list().length} target(s)…`;
    }
    const target = this.d.targets.get(cmd.target);
    if (!target)
      return refused(
        `No target \`${cmd.target}\`. Known: ${
          this.d.targets
            .list()
            .map((t) => `\`${t.name}\``)
            .join(', ') || 'none configured'
        }.`,
      );
    if (cmd.kind === 'info') {
      await this.d.queues.add('redis.info', {
        user: ctx.user,
        channel: ctx.channel,
        target: target.name,
        section: cmd.section,
      });
      return `Reading INFO ${cmd.section} from \`${target.name}\`…`;
    }
    // Without a name: the target's defaultRunbook, else `overview`.
    const runbookName = cmd.runbook ?? defaultRunbookFor(target);
    const runbook = this.d.runbooks.find((r) => r.name === runbookName);
    if (!runbook) {
      const known = this.d.runbooks.map((r) => `\`${r.name}\``).join(', ') || 'none loaded';
      return refused(
        cmd.runbook
          ? `No runbook \`${cmd.runbook}\`: ${known}.`
          : `\`${target.name}\` has no default runbook loaded (\`${runbookName}\`); name one: ${known}.`,
      );
    }
    const incident =
      (await this.incidentFor(target.name, ctx)) ??
      (await this.openOnDemand(target.name, target.channel ?? this.d.defaultChannel, runbook, ctx.user));
    await this.d.timeline.append(incident.id, {
      type: 'command',
      actor: ctx.user,
      text: `${commandLabel('/redis', `diag ${target.name} ${runbook.name}`, ctx)} by <@${ctx.user}>`,
      data: { command: 'diag', target: target.name, runbook: runbook.name, via: ctx.via ?? 'slash' },
    });
    const jobId = `diag-${incident.id}-${randomBytes(4).toString('hex')}`;
    await this.d.queues.add(
      'diagnostics',
      { incidentId: incident.id, target: target.name, runbook: runbook.name, requestedBy: ctx.user },
      jobId,
    );
    logger.info(
      { incidentId: incident.id, target: target.name, runbook: runbook.name, jobId },
      'on-demand diagnosis queued',
    );
    return `Running ${safe(runbook.title, 200)} on \`${target.name}\`; findings go to the thread of ${incident.id} in <#${incident.channel}>.`;
  }

  /**
   * The incident a diagnosis of `target` goes to: the one of this thread, else the only open one of this target in
   * this channel, else — as a new alert group would — the newest open incident of the target (alert-opened or opened
   * by hand with `--target`, in any channel) younger than `incidents.groupWindow`. Undefined: open a new one.
   */
  private async incidentFor(target: string, ctx: CommandContext): Promise<Incident | undefined> {
    const found = await findIncident(this.d.store, ctx, undefined, target);
    if ('incident' in found) return found.incident;
    if (this.d.groupWindowMs <= 0) return undefined;
    return this.d.store.newestOpenForTarget(target, Date.now() - this.d.groupWindowMs);
  }

  private async openOnDemand(target: string, channel: string, runbook: Runbook, user: string): Promise<Incident> {
    const id = await this.d.store.nextId();
    const incident = newIncident({
      id,
      title: `On-demand diagnosis: ${runbook.title} on ${target}`,
      severity: 'sev4',
      target,
      channel,
      commander: user,
      createdAt: new Date().toISOString(),
    });
    await this.d.store.create(incident);
    await this.d.timeline.append(id, {
      type: 'incident.opened',
      actor: user,
      text: `Opened by <@${user}> for an on-demand diagnosis of ${target}`,
      data: { target },
    });
    return incident;
  }
}

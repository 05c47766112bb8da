import type { JobData } from '../jobs/catalog.js';
import type { Logger } from '../kernel/logger.js';
import type { ProposalStore } from '../remediation/proposal-store.js';
import { timelineMessage } from '../slack/blocks/timeline.js';
import type { SlackNotifier } from '../slack/transport/slack-notifier.js';
import type { RedisCommands } from '../targets/redis-commands.js';
import type { IncidentLifecycle } from './incident-lifecycle.js';
import type { IncidentStore } from './incident-store.js';
import type { IncidentThread } from './incident-thread.js';
import { type PostmortemInput, renderPostmortemJson, renderPostmortemMarkdown } from './postmortem.js';
import type { Timeline } from './timeline.js';

export interface CommandServiceDeps {
  store: IncidentStore;
  timeline: Timeline;
  proposals: ProposalStore;
  thread: IncidentThread;
  notifier: SlackNotifier;
  lifecycle: IncidentLifecycle;
  redis: RedisCommands;
}

/** The `commands` queue's worker: the slow half of every slash command, dispatched by kind. */
export class CommandService {
  constructor(private readonly d: CommandServiceDeps) {}

  async postmortemInput(incidentId: string): Promise<PostmortemInput> {
    const [incident, alerts, events, proposals] = await Promise.all([
      this.d.store.require(incidentId),
      this.d.store.listAlerts(incidentId),
      this.d.timeline.read(incidentId),
      this.d.proposals.listForIncident(incidentId),
    ]);
    return { incident, alerts, events, proposals, generatedAt: new Date().toISOString() };
  }

  async run(job: JobData<'commands'>, logger: Logger): Promise<void> {
    switch (job.command) {
      case 'open':
        return this.d.lifecycle.open(job.incidentId, job.user);
      case 'note':
        return this.d.lifecycle.note(job.incidentId, job.user, job.text);
      case 'severity':
        return this.d.lifecycle.severity(job.incidentId, job.user, job.severity);
      case 'commander':
        return this.d.lifecycle.commander(job.incidentId, job.user, job.commander);
      case 'resolve':
        return this.d.lifecycle.resolve(job.incidentId, job.user, job.summary, logger);
      case 'timeline':
        return this.postTimeline(job.incidentId, job.user);
      case 'export':
        return this.export(job.incidentId, job.user, job.format, logger);
      case 'redis-info':
        return this.d.redis.info(job, logger);
      case 'redis-targets':
        return this.d.redis.health(job);
    }
  }

  private async postTimeline(incidentId: string, user: string): Promise<void> {
    const events = await this.d.timeline.read(incidentId);
    await this.d.thread.post(incidentId, timelineMessage(incidentId, events, user));
  }

  private async export(incidentId: string, user: string, format: 'md' | 'json', logger: Logger): Promise<void> {
    const incident = await this.d.store.require(incidentId);
    await this.d.timeline.append(incidentId, {
      type: 'export',
      actor: user,
      text: `Postmortem exported as ${format}`,
      data: { format },
    });
    const input = await this.postmortemInput(incidentId);
    const content = format === 'json' ? renderPostmortemJson(input) : renderPostmortemMarkdown(input);
    const threadTs = await this.d.thread.ensureThread(incident);
    await this.d.notifier.upload(
      incident.channel,
      threadTs,
      `${incident.id}-postmortem.${format}`,
      content,
      `Postmortem ${incident.id}`,
    );
    logger.info({ incidentId, format }, 'postmortem uploaded');
  }
}

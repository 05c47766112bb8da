import type { Logger } from '../logger.js';
import type { JobData } from '../queues/job-catalog.js';
import type { ProposalStore } from '../remediation/proposal-store.js';
import { LIMITS, safe, truncate, utc } from '../slack/blocks/text.js';
import type { SlackNotifier } from '../slack/slack-notifier.js';
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
}

/** Queued work behind `/incident timeline` and `/incident export`. */
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
    const incident = await this.d.store.require(job.incidentId);
    if (job.command === 'timeline') {
      const events = await this.d.timeline.read(job.incidentId);
      const lines = events.map((e) => `${utc(e.at)}  ${e.type}  ${e.actor}  ${e.text}`);
      // Slack caps a section at 3,000 characters: chunk the timeline over several sections.
      const chunks: string[] = [];
      let current = '';
      for (const l of lines.map((x) => safe(truncate(x, 400)))) {
        if (current.length + l.length + 1 > LIMITS.sectionText - 10) {
          chunks.push(current);
          current = '';
        }
        current += `${l}\n`;
      }
      if (current) chunks.push(current);
      await this.d.thread.post(job.incidentId, {
        text: `Timeline of ${incident.id} (${events.length} events)`,
        blocks: [
          {
            type: 'section',
            text: {
              type: 'mrkdwn',
              text: `*Timeline of ${incident.id}* (${events.length} events, requested by <@${job.user}>)`,
            },
          },
          ...chunks
            .slice(0, 45)
            .map((c) => ({ type: 'section' as const, text: { type: 'mrkdwn' as const, text: `\`\`\`${c}\`\`\`` } })),
        ],
      });
      return;
    }
    await this.d.timeline.append(job.incidentId, {
      type: 'export',
      actor: job.user,
      text: `Postmortem exported as ${job.format}`,
      data: { format: job.format },
    });
    const input = await this.postmortemInput(job.incidentId);
    const content = job.format === 'json' ? renderPostmortemJson(input) : renderPostmortemMarkdown(input);
    const threadTs = await this.d.thread.ensureThread(incident);
    await this.d.notifier.upload(
      incident.channel,
      threadTs,
      `${incident.id}-postmortem.${job.format}`,
      content,
      `Postmortem ${incident.id}`,
    );
    logger.info({ incidentId: incident.id, format: job.format }, 'postmortem uploaded');
  }
}

import { timelineMessage } from '../../blocks/timeline.js';
import type { IncidentStore } from '../../incidents/incident-store.js';
import type { IncidentThread } from '../../incidents/incident-thread.js';
import type { Notifier } from '../../incidents/notifier.js';
import { renderPostmortemJson, renderPostmortemMarkdown } from '../../incidents/postmortem.js';
import { loadPostmortemInput } from '../../incidents/postmortem-input.js';
import type { Timeline } from '../../incidents/timeline.js';
import type { Logger } from '../../kernel/logger.js';
import type { ProposalStore } from '../../remediation/proposal-store.js';

export interface IncidentCommandWorkerDeps {
  store: IncidentStore;
  timeline: Timeline;
  proposals: ProposalStore;
  thread: IncidentThread;
  notifier: Pick<Notifier, 'upload'>;
}

/** The slow half of `/incident timeline` and `/incident export` (their jobs' handlers call these). */
export class IncidentCommandWorker {
  constructor(private readonly d: IncidentCommandWorkerDeps) {}

  /** Posts the incident's timeline in its thread (`incident.timeline` jobs). */
  async postTimeline(incidentId: string, user: string, key: string): Promise<void> {
    const events = await this.d.timeline.read(incidentId);
    await this.d.thread.post(incidentId, `timeline:${incidentId}:${key}`, timelineMessage(incidentId, events, user));
  }

  /**
   * Uploads the postmortem to the incident's thread (`incident.export` jobs). Resolves false, changing nothing, while
   * the thread is not in Slack yet (its card still owed): the handler tries again later.
   */
  async export(incidentId: string, user: string, format: 'md' | 'json', logger: Logger): Promise<boolean> {
    const incident = await this.d.store.require(incidentId);
    const threadTs = await this.d.thread.threadTs(incidentId);
    if (!threadTs) {
      await this.d.thread.refreshCard(incidentId);
      logger.info({ incidentId }, 'export waits for the thread to be posted');
      return false;
    }
    await this.d.timeline.append(incidentId, {
      type: 'export',
      actor: user,
      text: `Postmortem exported as ${format}`,
      data: { format },
    });
    const input = await loadPostmortemInput(this.d, incident);
    const content = format === 'json' ? renderPostmortemJson(input) : renderPostmortemMarkdown(input);
    await this.d.notifier.upload(
      incident.channel,
      threadTs,
      `${incident.id}-postmortem.${format}`,
      content,
      `Postmortem ${incident.id}`,
    );
    logger.info({ incidentId, format }, 'postmortem uploaded');
    return true;
  }
}

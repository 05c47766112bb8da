import { z } from 'zod';
import { FiledMessageSchema } from '../../blocks/incident-controls.js';
import { SeveritySchema } from '../../incidents/incident.js';
import { IncidentIdSchema, SlackUserIdSchema } from '../../kernel/ids.js';

/** Who asked, about which incident: every `/incident` job carries this. */
const IncidentJob = z.object({ incidentId: IncidentIdSchema, user: SlackUserIdSchema });

/**
 * The slow halves of `/incident`, one job kind each (job name → data schema), run by IncidentCommandWorker on the
 * `commands` queue. jobs/catalog.ts lists each with its attempts and timeout.
 */
export const INCIDENT_JOB_SCHEMAS = {
  /** Post a new incident's thread (the incident record already exists). */
  'incident.open': IncidentJob.extend({ channel: z.boolean().default(false) }),
  'incident.note': IncidentJob.extend({ text: z.string().min(1).max(3000) }),
  'incident.severity': IncidentJob.extend({ severity: SeveritySchema }),
  'incident.commander': IncidentJob.extend({ commander: SlackUserIdSchema }),
  'incident.resolve': IncidentJob.extend({ summary: z.string().max(3000).default('') }),
  'incident.timeline': IncidentJob,
  'incident.export': IncidentJob.extend({ format: z.enum(['md', 'json']).default('md') }),
  /** A Slack message filed on the timeline by the "Add to incident timeline" shortcut (`user` filed it). */
  'incident.file-message': IncidentJob.extend({ message: FiledMessageSchema }),
} as const;

/** Job name → data of the `/incident` jobs: what the intake enqueues. */
export type IncidentJobs = { [N in keyof typeof INCIDENT_JOB_SCHEMAS]: z.output<(typeof INCIDENT_JOB_SCHEMAS)[N]> };

import { z } from 'zod';
import { WebhookSchema } from '../alertmanager/webhook-schema.js';
import { SeveritySchema } from '../incidents/incident.js';
import { IncidentIdSchema, ProposalIdSchema, SlackUserIdSchema } from '../kernel/ids.js';
import { INFO_SECTIONS } from '../kernel/info.js';

const IncidentId = IncidentIdSchema;
const User = SlackUserIdSchema;

/** Who asked, about which incident: every `/incident` job carries this. */
const IncidentJob = z.object({ incidentId: IncidentId, user: User });

/**
 * The BullMQ queues, with how many jobs of each one worker runs at once. Queue names are public (metrics label
 * `rib_jobs_total{queue}`, dashboards): do not rename them.
 */
export const QUEUES = {
  alerts: { concurrency: 4 },
  // Diagnoses wait on remote Redis more than they use CPU; at most one runs per target (diagnostics/target-slots),
  // so a hung target holds one slot and the others serve healthy targets.
  diagnostics: { concurrency: 4 },
  // One write at a time per worker: fixes to production Redis are never run side by side by the same replica.
  remediations: { concurrency: 1 },
  commands: { concurrency: 4 },
} as const;

export type QueueName = keyof typeof QUEUES;
export const QUEUE_NAMES = Object.keys(QUEUES) as QueueName[];

interface JobSpec<Data = unknown> {
  /** The queue the job runs on; its BullMQ job name is the catalog key. */
  queue: QueueName;
  /** What the job data must satisfy, checked when enqueued and again when taken. */
  schema: z.ZodType<Data>;
  attempts: number;
  /** A job still running after this long fails (the handler's work is abandoned, not cancelled). */
  timeoutMs: number;
}

/** The slow half of a slash command, run on the `commands` queue: retried a little, bounded to a minute. */
const command = <S extends z.ZodType>(schema: S) =>
  ({ queue: 'commands', schema, attempts: 3, timeoutMs: 60_000 }) as const;

/**
 * Every job kind the bot runs in the background, one entry each: the job name (BullMQ's job name, the key of the
 * handler map) → its queue, data schema, attempts and timeout. One place to read what runs in the background.
 * The single-kind queues' jobs keep the queue's name, the name jobs already waiting in Redis carry.
 */
const CATALOG = {
  alerts: {
    queue: 'alerts',
    schema: z.object({ webhook: WebhookSchema, receivedAt: z.string() }),
    // A busy group lock or a Slack hiccup is worth retrying; the handler is idempotent per notification.
    attempts: 8,
    timeoutMs: 30_000,
  },
  diagnostics: {
    queue: 'diagnostics',
    schema: z.object({
      incidentId: IncidentId,
      target: z.string().min(1),
      runbook: z.string().min(1),
      requestedBy: z.string().min(1),
    }),
    // Diagnosis reads a production Redis; do not hammer it again on failure, report instead.
    attempts: 1,
    timeoutMs: 300_000,
  },
  remediations: {
    queue: 'remediations',
    schema: z.object({ proposalId: ProposalIdSchema }),
    // A write must run at most once: no automatic retries; the ledger also guards manual re-enqueues.
    attempts: 1,
    timeoutMs: 120_000,
  },
  /** Post a new incident's thread (the incident record already exists). */
  'incident.open': command(IncidentJob),
  'incident.note': command(IncidentJob.extend({ text: z.string().min(1).max(3000) })),
  'incident.severity': command(IncidentJob.extend({ severity: SeveritySchema })),
  'incident.commander': command(IncidentJob.extend({ commander: User })),
  'incident.resolve': command(IncidentJob.extend({ summary: z.string().max(3000).default('') })),
  'incident.timeline': command(IncidentJob),
  'incident.export': command(IncidentJob.extend({ format: z.enum(['md', 'json']).default('md') })),
  'redis.info': command(
    z.object({ user: User, channel: z.string().min(1), target: z.string().min(1), section: z.enum(INFO_SECTIONS) }),
  ),
  'redis.targets': command(z.object({ user: User, channel: z.string().min(1) })),
} as const satisfies Record<string, JobSpec>;

export type JobName = keyof typeof CATALOG;
export type JobData<N extends JobName> = z.output<(typeof CATALOG)[N]['schema']>;

/**
 * The catalog as one spec type per name: indexing it with a generic name keeps the name's own data type, so the
 * worker parses and dispatches without casts.
 */
export const JOBS: { readonly [N in JobName]: JobSpec<JobData<N>> } = CATALOG;

/** Narrows a BullMQ job name taken from Redis (anything may be there) to a catalog entry. */
export function isJobName(name: string): name is JobName {
  return Object.hasOwn(JOBS, name);
}

/**
 * Before each command kind had its own job name, `commands` jobs were named `commands` and said their kind in a
 * `command` field. Jobs enqueued by an older replica may still be waiting when this one starts: this maps one to
 * its catalog name (its data, less `command`, fits that entry's schema) so it runs rather than fails. Safe to
 * delete once no pre-split replica is left.
 */
const LegacyCommandSchema = z.object({ command: z.string() });
const LEGACY_COMMANDS = new Map<string, JobName>([
  ['open', 'incident.open'],
  ['note', 'incident.note'],
  ['severity', 'incident.severity'],
  ['commander', 'incident.commander'],
  ['resolve', 'incident.resolve'],
  ['timeline', 'incident.timeline'],
  ['export', 'incident.export'],
  ['redis-info', 'redis.info'],
  ['redis-targets', 'redis.targets'],
]);

/** The catalog name of a job taken from `queue`, or undefined when no entry of that queue has that name. */
export function resolveJobName(queue: QueueName, name: string, data: unknown): JobName | undefined {
  if (queue === 'commands' && name === 'commands') {
    const legacy = LegacyCommandSchema.safeParse(data);
    return legacy.success ? LEGACY_COMMANDS.get(legacy.data.command) : undefined;
  }
  return isJobName(name) && JOBS[name].queue === queue ? name : undefined;
}

import { z } from 'zod';
import { AlertJobSchema } from '../alertmanager/alert-job.js';
import { INCIDENT_JOB_SCHEMAS as INCIDENT } from '../commands/incident/jobs.js';
import { REDIS_JOB_SCHEMAS as REDIS } from '../commands/redis/jobs.js';
import { DiagnosisJobSchema } from '../diagnostics/diagnosis-job.js';
import { IncidentChannelJobSchema } from '../incidents/incident-channel.js';
import { RemediationJobSchema } from '../remediation/remediation-job.js';

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
 * The single-kind queues' jobs keep the queue's name, the name jobs already waiting in Redis carry. Each schema is
 * declared by the feature whose worker takes the job (so producers need not import this folder).
 */
const CATALOG = {
  alerts: {
    queue: 'alerts',
    schema: AlertJobSchema,
    // A busy group lock or a Slack hiccup is worth retrying; the handler is idempotent per notification.
    attempts: 8,
    timeoutMs: 30_000,
  },
  diagnostics: {
    queue: 'diagnostics',
    schema: DiagnosisJobSchema,
    // Diagnosis reads a production Redis; do not hammer it again on failure, report instead.
    attempts: 1,
    timeoutMs: 300_000,
  },
  remediations: {
    queue: 'remediations',
    schema: RemediationJobSchema,
    // A write must run at most once: no automatic retries; the ledger also guards manual re-enqueues.
    attempts: 1,
    timeoutMs: 120_000,
  },
  /** Post a new incident's thread (the incident record already exists). */
  'incident.open': command(INCIDENT['incident.open']),
  'incident.note': command(INCIDENT['incident.note']),
  'incident.severity': command(INCIDENT['incident.severity']),
  'incident.commander': command(INCIDENT['incident.commander']),
  'incident.resolve': command(INCIDENT['incident.resolve']),
  'incident.timeline': command(INCIDENT['incident.timeline']),
  'incident.export': command(INCIDENT['incident.export']),
  /** Give an incident its own channel (the card's Declare button, the severity policy). */
  'incident.channel': command(IncidentChannelJobSchema),
  'incident.file-message': command(INCIDENT['incident.file-message']),
  'redis.info': command(REDIS['redis.info']),
  'redis.targets': command(REDIS['redis.targets']),
} as const satisfies Record<string, JobSpec>;

export type JobName = keyof typeof CATALOG;
export type JobData<N extends JobName> = z.output<(typeof CATALOG)[N]['schema']>;
/**
 * Job name → data for every kind. `Queues.add` takes its data through this map, so a `Queues` fits each feature's
 * `Enqueue<{ …its jobs }>` port (kernel/enqueue.ts) and the compiler checks the feature's types against the catalog.
 */
export type JobDataByName = { [N in JobName]: JobData<N> };

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

import { z } from 'zod';
import { WebhookSchema } from '../alertmanager/webhook-schema.js';
import { SeveritySchema } from '../incidents/incident.js';
import { INFO_SECTIONS } from '../slack/commands/parse-redis-command.js';

const IncidentId = z.string().regex(/^INC-\d+$/);
const User = z.string().regex(/^[UW][A-Z0-9]+$/);

/** Slash-command work done in the background (the listener has already acked). */
const CommandJobSchema = z.discriminatedUnion('command', [
  /** Post a new incident's thread (the incident record already exists). */
  z.object({ command: z.literal('open'), incidentId: IncidentId, user: User }),
  z.object({ command: z.literal('timeline'), incidentId: IncidentId, user: User }),
  z.object({
    command: z.literal('export'),
    incidentId: IncidentId,
    user: User,
    format: z.enum(['md', 'json']).default('md'),
  }),
  z.object({ command: z.literal('note'), incidentId: IncidentId, user: User, text: z.string().min(1).max(3000) }),
  z.object({ command: z.literal('severity'), incidentId: IncidentId, user: User, severity: SeveritySchema }),
  z.object({ command: z.literal('commander'), incidentId: IncidentId, user: User, commander: User }),
  z.object({
    command: z.literal('resolve'),
    incidentId: IncidentId,
    user: User,
    summary: z.string().max(3000).default(''),
  }),
  z.object({
    command: z.literal('redis-info'),
    user: User,
    channel: z.string().min(1),
    target: z.string().min(1),
    section: z.enum(INFO_SECTIONS),
  }),
  z.object({ command: z.literal('redis-targets'), user: User, channel: z.string().min(1) }),
]);

/**
 * Every queue the bot uses, with the schema its job data must satisfy (checked when enqueued and again when taken),
 * its attempts and the per-job timeout. One place to read what runs in the background.
 */
export const JOBS = {
  alerts: {
    schema: z.object({ webhook: WebhookSchema, receivedAt: z.string() }),
    // A busy group lock or a Slack hiccup is worth retrying; the handler is idempotent per notification.
    attempts: 8,
    timeoutMs: 30_000,
  },
  diagnostics: {
    schema: z.object({
      incidentId: z.string().regex(/^INC-\d+$/),
      target: z.string().min(1),
      runbook: z.string().min(1),
      requestedBy: z.string().min(1),
    }),
    // Diagnosis reads a production Redis; do not hammer it again on failure, report instead.
    attempts: 1,
    timeoutMs: 300_000,
  },
  remediations: {
    schema: z.object({ proposalId: z.string().regex(/^P-[a-z0-9-]+$/) }),
    // A write must run at most once: no automatic retries; the ledger also guards manual re-enqueues.
    attempts: 1,
    timeoutMs: 120_000,
  },
  commands: {
    schema: CommandJobSchema,
    attempts: 3,
    timeoutMs: 60_000,
  },
} as const;

export type QueueName = keyof typeof JOBS;
export type JobData<Q extends QueueName> = z.infer<(typeof JOBS)[Q]['schema']>;
export const QUEUE_NAMES = Object.keys(JOBS) as QueueName[];

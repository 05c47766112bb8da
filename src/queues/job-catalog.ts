import { z } from 'zod';
import { WebhookSchema } from '../alertmanager/webhook-schema.js';

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
    schema: z.object({
      command: z.enum(['timeline', 'export']),
      incidentId: z.string().regex(/^INC-\d+$/),
      user: z.string().min(1),
      format: z.enum(['md', 'json']).default('md'),
    }),
    attempts: 3,
    timeoutMs: 60_000,
  },
} as const;

export type QueueName = keyof typeof JOBS;
export type JobData<Q extends QueueName> = z.infer<(typeof JOBS)[Q]['schema']>;
export const QUEUE_NAMES = Object.keys(JOBS) as QueueName[];

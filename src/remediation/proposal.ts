import { z } from 'zod';
import { ProposalIdSchema } from '../kernel/ids.js';

export const ProposalStatusSchema = z.enum([
  'pending',
  'approved',
  'rejected',
  'expired',
  'executed',
  'failed',
  'skipped',
  /** Its worker died mid-run; a recovery read the target and reported whether the write took effect. */
  'interrupted',
  /** Still pending when its incident resolved: taken back, its buttons removed; it can no longer be approved. */
  'withdrawn',
]);

/** A proposed remediation awaiting (or past) a decision, kept in the hash `<prefix>:proposal:<id>`. */
export const ProposalSchema = z.object({
  id: ProposalIdSchema,
  incidentId: z.string(),
  action: z.string(),
  title: z.string(),
  target: z.string(),
  /** JSON of the action's typed params, fixed at proposal time. */
  params: z.string(),
  command: z.string(),
  reason: z.string(),
  risk: z.string().default(''),
  status: ProposalStatusSchema,
  /** Who asked: `bot` for runbook proposals, else a Slack user id. */
  requester: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  decidedBy: z.string().default(''),
  decidedAt: z.string().default(''),
  channel: z.string().default(''),
  messageTs: z.string().default(''),
  result: z.string().default(''),
});
export type Proposal = z.infer<typeof ProposalSchema>;

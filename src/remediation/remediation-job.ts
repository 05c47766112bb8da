import { z } from 'zod';
import { ProposalIdSchema } from '../kernel/ids.js';

/** A `remediations` job: run one approved proposal (jobs/catalog.ts lists it; its job id is the proposal id). */
export const RemediationJobSchema = z.object({ proposalId: ProposalIdSchema });
export type RemediationJob = z.output<typeof RemediationJobSchema>;

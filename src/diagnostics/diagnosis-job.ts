import { z } from 'zod';
import { IncidentIdSchema } from '../kernel/ids.js';

/** A `diagnostics` job: run one runbook on one target for an incident (jobs/catalog.ts lists it). */
export const DiagnosisJobSchema = z.object({
  incidentId: IncidentIdSchema,
  target: z.string().min(1),
  runbook: z.string().min(1),
  /** `alertmanager`, or the Slack user who ran `/redis diag`. */
  requestedBy: z.string().min(1),
});
export type DiagnosisJob = z.output<typeof DiagnosisJobSchema>;

/** The jobs a diagnosis is asked for by: what an `Enqueue` of diagnoses carries. */
export type DiagnosisJobs = { diagnostics: DiagnosisJob };

import { z } from 'zod';

const Expression = z.string().min(1, 'must be a threshold expression');

/** A diagnostic step: one probe from the catalog with its parameters. */
export const StepSchema = z
  .object({
    probe: z.string().min(1),
    params: z.record(z.string(), z.unknown()).default({}),
    /** Upper bound for this step in seconds. */
    timeoutSeconds: z.number().positive().max(600).default(30),
  })
  .strict();

/** A threshold that turns figures into a finding. Titles may use `{probe.metric}` placeholders. */
export const FindingRuleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/, 'lowercase letters, digits and dashes'),
    when: Expression,
    severity: z.enum(['critical', 'warning', 'info']),
    title: z.string().min(1),
    detail: z.string().optional(),
  })
  .strict();

/** A remediation the runbook may propose when `when` holds; `params` go to the action's planner. */
export const ProposalRuleSchema = z
  .object({
    action: z.string().min(1),
    when: Expression,
    reason: z.string().min(1),
    params: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

export const RunbookSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9-]+$/, 'lowercase letters, digits and dashes'),
    title: z.string().min(1),
    description: z.string().default(''),
    match: z
      .object({
        alertnames: z.array(z.string().min(1)).default([]),
        /** Extra labels that must all be equal for the runbook to match. */
        labels: z.record(z.string(), z.string()).default({}),
      })
      .strict(),
    steps: z.array(StepSchema).min(1, 'needs at least one step'),
    findings: z.array(FindingRuleSchema).default([]),
    proposals: z.array(ProposalRuleSchema).default([]),
    /** Durable fixes, shown with the findings and as postmortem follow-ups. */
    advice: z.array(z.string().min(1)).default([]),
  })
  .strict();

export type Runbook = z.infer<typeof RunbookSchema>;
export type RunbookStep = z.infer<typeof StepSchema>;
export type FindingRule = z.infer<typeof FindingRuleSchema>;
export type ProposalRule = z.infer<typeof ProposalRuleSchema>;

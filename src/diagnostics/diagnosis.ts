import type { ProbeResult } from './probe.js';

/** How one runbook step went. */
export interface StepOutcome {
  probe: string;
  title: string;
  ok: boolean;
  error?: string;
  result?: ProbeResult;
  durationMs: number;
}

/** A threshold that held, with the figures that made it hold. */
export interface Finding {
  id: string;
  severity: 'critical' | 'warning' | 'info';
  title: string;
  detail?: string;
}

/** Everything a diagnosis produced, before proposals. */
export interface DiagnosisReport {
  runbook: string;
  runbookTitle: string;
  target: string;
  steps: StepOutcome[];
  findings: Finding[];
  advice: string[];
  metrics: Record<string, number | string>;
}

/**
 * A runbook proposal rule whose `when` held: what the diagnosis asks remediation to propose. Remediation decides
 * whether it becomes a proposal (known action, workload allowed, planner agrees); its `ProposalRequest` has the same
 * shape, declared on its side so neither folder imports the other.
 */
export interface ProposalRequest {
  action: string;
  target: string;
  /** The rule's `params`, handed to the action's planner. */
  ruleParams: Record<string, unknown>;
  /** The figures the planner reads. */
  metrics: Record<string, number | string>;
  /** The rule's reason with the figures filled in. */
  reason: string;
}

/** What a diagnosis job hands on: the report, the proposals it asks for, and on whose behalf. */
export interface Diagnosis {
  report: DiagnosisReport;
  proposals: ProposalRequest[];
  /** `bot` when the alert asked, else the Slack user who ran the diagnosis (the two-person rule counts them). */
  requester: string;
}

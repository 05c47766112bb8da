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

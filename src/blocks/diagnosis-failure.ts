/** Why a diagnosis produced nothing to read: every one of its steps failed. */
export interface DiagnosisFailure {
  /** `timed out` (a node stopped answering), `unreachable` (no connection), or `every step failed`. */
  reason: 'timed out' | 'unreachable' | 'every step failed';
  /** The steps' distinct errors, in step order. */
  errors: string[];
}

/** What the verdict reads of each step (a diagnosis report's steps fit). */
export interface StepVerdict {
  ok: boolean;
  error?: string;
}

/**
 * The failure of a diagnosis whose every step failed, or undefined when at least one step ran: such a report has no
 * figures, so "no threshold crossed" would read as a clean bill of health for a target nobody could examine.
 * It lives beside the builders because its reasons are the words readers see: the findings message headlines them
 * and the diagnosis service writes them on the timeline.
 */
export function diagnosisFailure(report: { steps: readonly StepVerdict[] }): DiagnosisFailure | undefined {
  if (report.steps.length === 0 || report.steps.some((s) => s.ok)) return undefined;
  const errors = [...new Set(report.steps.map((s) => s.error ?? 'unknown error'))];
  const reason = errors.some((e) => /timed out/i.test(e))
    ? 'timed out'
    : errors.some((e) => /unreachable|ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT/.test(e))
      ? 'unreachable'
      : 'every step failed';
  return { reason, errors };
}

import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { evaluate, parseExpression, renderTemplate } from '../runbooks/expression.js';
import type { Runbook } from '../runbooks/runbook-schema.js';
import { redactText } from '../targets/redact.js';
import type { DiagnosisReport, Finding, StepOutcome } from './diagnosis.js';
import type { Probe } from './probe.js';
import { withTimeout } from './with-timeout.js';

/**
 * Runs a runbook's steps in order against one connection and turns the figures into findings. A failing step is
 * reported and the rest still run: a partial diagnosis during an incident beats none.
 */
export async function runRunbook(
  runbook: Runbook,
  targetName: string,
  client: Redis,
  probes: ReadonlyMap<string, Probe<any>>,
  logger: Logger,
  onStep?: (step: StepOutcome) => Promise<void>,
): Promise<DiagnosisReport> {
  const steps: StepOutcome[] = [];
  const metrics: Record<string, number | string> = {};
  for (const step of runbook.steps) {
    const probe = probes.get(step.probe);
    const started = Date.now();
    let outcome: StepOutcome;
    if (!probe) {
      outcome = { probe: step.probe, title: step.probe, ok: false, error: 'unknown probe', durationMs: 0 };
    } else {
      const timeoutMs = step.timeoutSeconds * 1000;
      const controller = new AbortController();
      try {
        const params = probe.paramsSchema.parse(step.params);
        const result = await withTimeout(
          probe.run(
            { client, logger: logger.child({ probe: probe.name }), timeoutMs, signal: controller.signal },
            params,
          ),
          timeoutMs,
          `probe ${probe.name}`,
        );
        Object.assign(metrics, result.metrics);
        outcome = { probe: probe.name, title: probe.title, ok: true, result, durationMs: Date.now() - started };
      } catch (err) {
        controller.abort();
        outcome = {
          probe: probe.name,
          title: probe.title,
          ok: false,
          error: redactText((err as Error).message),
          durationMs: Date.now() - started,
        };
        logger.warn({ probe: probe.name, err }, 'probe failed');
      }
    }
    steps.push(outcome);
    if (onStep) await onStep(outcome);
  }
  const findings: Finding[] = runbook.findings
    .filter((rule) => evaluate(parseExpression(rule.when), metrics))
    .map((rule) => ({
      id: rule.id,
      severity: rule.severity,
      title: renderTemplate(rule.title, metrics),
      ...(rule.detail ? { detail: renderTemplate(rule.detail, metrics) } : {}),
    }));
  return {
    runbook: runbook.name,
    runbookTitle: runbook.title,
    target: targetName,
    steps,
    findings,
    advice: runbook.advice,
    metrics,
  };
}

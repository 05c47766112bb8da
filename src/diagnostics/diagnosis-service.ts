import { diagnosisFailure } from '../blocks/diagnosis-failure.js';
import { cannotDiagnoseMessage, findingsMessage } from '../blocks/findings.js';
import type { IncidentStore } from '../incidents/incident-store.js';
import type { IncidentThread } from '../incidents/incident-thread.js';
import type { NewTimelineEvent, Timeline } from '../incidents/timeline.js';
import type { Logger } from '../kernel/logger.js';
import { evaluate, parseExpression, renderTemplate } from '../runbooks/expression.js';
import type { Runbook } from '../runbooks/runbook-schema.js';
import type { TargetRegistry } from '../targets/target-registry.js';
import type { Diagnosis, DiagnosisReport, ProposalRequest } from './diagnosis.js';
import type { DiagnosisJob } from './diagnosis-job.js';
import type { Probe } from './probe.js';
import { readTimeoutFor, runRunbook } from './run-runbook.js';

export interface DiagnosisServiceDeps {
  store: IncidentStore;
  timeline: Timeline;
  thread: IncidentThread;
  targets: TargetRegistry;
  runbooks: readonly Runbook[];
  probes: ReadonlyMap<string, Probe>;
}

/**
 * Runs a runbook for an incident (a `diagnostics` job) and posts its findings in the thread. Proposals are not made
 * here: `run` returns the ones the runbook asks for, the job handler hands them to remediation, then calls `finish`.
 */
export class DiagnosisService {
  constructor(private readonly d: DiagnosisServiceDeps) {}

  /**
   * Runs the job's runbook and owes its findings message; undefined when the runbook or target is unknown (said in
   * the thread). `key` names the diagnosis (its job id): the findings, their timeline entries and the message
   * commit in one MULTI with the outcome kept under that key, so a re-run of the job (a stall, a crash, a retry)
   * returns the kept outcome without touching the target again or posting anything twice.
   */
  async run(job: DiagnosisJob, logger: Logger, key: string): Promise<Diagnosis | undefined> {
    const log = logger.child({ incidentId: job.incidentId, runbook: job.runbook, target: job.target });
    const mark = `diagnosis:${key}`;
    const kept = await this.d.store.done(mark);
    if (kept) {
      log.info({ key }, 'diagnosis already ran; continuing from its kept outcome');
      return JSON.parse(kept) as Diagnosis;
    }
    const runbook = this.d.runbooks.find((r) => r.name === job.runbook);
    const target = this.d.targets.get(job.target);
    if (!runbook || !target) {
      await this.d.thread.post(
        job.incidentId,
        `cannot-diagnose:${key}`,
        cannotDiagnoseMessage(!runbook ? `no runbook ${job.runbook}` : `no target ${job.target}`),
      );
      return undefined;
    }
    const startedAt = new Date().toISOString();
    const steps: NewTimelineEvent[] = [];
    // No connection up front: a runbook for "Redis down" must still run its reachability and Sentinel steps.
    const topology = this.d.targets.topology(target, readTimeoutFor(runbook));
    try {
      const report = await runRunbook(runbook, target, topology, this.d.probes, log, async (step) => {
        steps.push({
          type: step.ok ? 'step.finished' : 'step.failed',
          actor: 'bot',
          at: new Date().toISOString(),
          text: step.ok
            ? `${step.title}: ${step.result?.figures.map((f) => `${f.label} ${f.value}`).join(', ') ?? ''}`
            : `${step.title} failed: ${step.error ?? ''}`,
          data: {
            probe: step.probe,
            durationMs: step.durationMs,
            tables: step.result?.tables ?? [],
            notes: step.result?.notes ?? [],
          },
        });
      });
      // Whoever asked for the diagnosis requested its proposals (the two-person rule keeps them from approving).
      const requester = job.requestedBy === 'alertmanager' ? 'bot' : job.requestedBy;
      const diagnosis: Diagnosis = { report, proposals: proposalRequests(runbook, report), requester };
      await this.d.store.commitOnce(
        mark,
        (tx) => {
          this.d.timeline.appendIn(tx, job.incidentId, {
            type: 'diagnosis.started',
            actor: job.requestedBy === 'alertmanager' ? 'bot' : job.requestedBy,
            at: startedAt,
            text: `Runbook ${runbook.title} started on ${target.name}`,
            data: { runbook: runbook.name, target: target.name },
          });
          for (const step of steps) this.d.timeline.appendIn(tx, job.incidentId, step);
          for (const f of report.findings) {
            this.d.timeline.appendIn(tx, job.incidentId, {
              type: 'finding',
              actor: 'bot',
              text: `[${f.severity}] ${f.title}`,
              data: { ...f, runbook: runbook.name },
            });
          }
          this.d.thread.say(tx, job.incidentId, `findings:${key}`, findingsMessage(report));
        },
        JSON.stringify(diagnosis),
      );
      return diagnosis;
    } finally {
      topology.close();
    }
  }

  /** Closes a diagnosis once its proposals are posted: the timeline says so, and the card shows them. Once per key. */
  async finish(incidentId: string, report: DiagnosisReport, key: string): Promise<void> {
    const failure = diagnosisFailure(report);
    await this.d.store.commitOnce(`diagnosis-finished:${key}`, (tx) => {
      this.d.timeline.appendIn(tx, incidentId, {
        type: 'diagnosis.finished',
        actor: 'bot',
        text: failure
          ? `Runbook ${report.runbookTitle} could not diagnose ${report.target}: ${failure.reason} (every step failed)`
          : `Runbook ${report.runbookTitle} finished: ${report.findings.length} finding(s)`,
        data: { runbook: report.runbook, advice: report.advice, ...(failure ? { failed: failure.reason } : {}) },
      });
      this.d.thread.card(tx, incidentId);
    });
  }
}

/** The runbook's proposal rules whose `when` held, with their reasons rendered from the figures. */
function proposalRequests(runbook: Runbook, report: DiagnosisReport): ProposalRequest[] {
  return runbook.proposals
    .filter((rule) => evaluate(parseExpression(rule.when), report.metrics))
    .map((rule) => ({
      action: rule.action,
      target: report.target,
      ruleParams: rule.params,
      metrics: report.metrics,
      reason: renderTemplate(rule.reason, report.metrics),
    }));
}

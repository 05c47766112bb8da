import { randomBytes } from 'node:crypto';
import type { ConfigFile, Target } from '../config/config-file.js';
import type { IncidentStore } from '../incidents/incident-store.js';
import type { IncidentThread } from '../incidents/incident-thread.js';
import type { Timeline } from '../incidents/timeline.js';
import type { Logger } from '../kernel/logger.js';
import { redactText } from '../kernel/redact.js';
import type { JobData } from '../queues/job-catalog.js';
import type { RemediationAction } from '../remediation/action.js';
import type { Proposal } from '../remediation/proposal.js';
import type { ProposalStore } from '../remediation/proposal-store.js';
import { evaluate, parseExpression, renderTemplate } from '../runbooks/expression.js';
import type { Runbook } from '../runbooks/runbook-schema.js';
import { findingsMessage } from '../slack/blocks/findings.js';
import { proposalMessage } from '../slack/blocks/proposal.js';
import type { TargetRegistry } from '../targets/target-registry.js';
import type { DiagnosisReport } from './diagnosis.js';
import type { Probe } from './probe.js';
import { runRunbook } from './run-runbook.js';

export interface DiagnosisServiceDeps {
  store: IncidentStore;
  timeline: Timeline;
  thread: IncidentThread;
  proposals: ProposalStore;
  targets: TargetRegistry;
  runbooks: readonly Runbook[];
  probes: ReadonlyMap<string, Probe<any>>;
  actions: ReadonlyMap<string, RemediationAction<any>>;
  approvals: ConfigFile['approvals'];
}

/** Runs a runbook for an incident (a `diagnostics` job) and posts findings and proposals in its thread. */
export class DiagnosisService {
  constructor(private readonly d: DiagnosisServiceDeps) {}

  async run(job: JobData<'diagnostics'>, logger: Logger): Promise<DiagnosisReport | undefined> {
    const log = logger.child({ incidentId: job.incidentId, runbook: job.runbook, target: job.target });
    const runbook = this.d.runbooks.find((r) => r.name === job.runbook);
    const target = this.d.targets.get(job.target);
    if (!runbook || !target) {
      await this.d.thread.post(job.incidentId, {
        text: `Cannot diagnose: ${!runbook ? `no runbook ${job.runbook}` : `no target ${job.target}`}`,
        blocks: [],
      });
      return undefined;
    }
    await this.d.timeline.append(job.incidentId, {
      type: 'diagnosis.started',
      actor: job.requestedBy === 'alertmanager' ? 'bot' : job.requestedBy,
      text: `Runbook ${runbook.title} started on ${target.name}`,
      data: { runbook: runbook.name, target: target.name },
    });
    // No connection up front: a runbook for "Redis down" must still run its reachability and Sentinel steps.
    const topology = this.d.targets.topology(target);
    try {
      const report = await runRunbook(runbook, target, topology, this.d.probes, log, async (step) => {
        await this.d.timeline.append(job.incidentId, {
          type: step.ok ? 'step.finished' : 'step.failed',
          actor: 'bot',
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
      for (const f of report.findings) {
        await this.d.timeline.append(job.incidentId, {
          type: 'finding',
          actor: 'bot',
          text: `[${f.severity}] ${f.title}`,
          data: { ...f, runbook: runbook.name },
        });
      }
      await this.d.thread.post(job.incidentId, findingsMessage(report));
      // Whoever asked for the diagnosis requested its proposals (the two-person rule keeps them from approving).
      const requester = job.requestedBy === 'alertmanager' ? 'bot' : job.requestedBy;
      await this.propose(job.incidentId, runbook, target, report, requester, log);
      await this.d.timeline.append(job.incidentId, {
        type: 'diagnosis.finished',
        actor: 'bot',
        text: `Runbook ${runbook.title} finished: ${report.findings.length} finding(s)`,
        data: { runbook: runbook.name, advice: runbook.advice },
      });
      await this.d.thread.refreshCard(job.incidentId);
      return report;
    } finally {
      topology.close();
    }
  }

  private async propose(
    incidentId: string,
    runbook: Runbook,
    target: Target,
    report: DiagnosisReport,
    requester: string,
    log: Logger,
  ): Promise<void> {
    if (target.cluster && runbook.proposals.length) {
      // A cluster-wide figure comes from whichever primary is worst; a one-click write would land on an arbitrary
      // node. Until actions carry their node, cluster targets get findings and advice, not buttons.
      log.info({ target: target.name }, 'no proposals for cluster targets');
      return;
    }
    for (const rule of runbook.proposals) {
      if (!evaluate(parseExpression(rule.when), report.metrics)) continue;
      const action = this.d.actions.get(rule.action);
      if (!action) continue;
      if (!action.workloads.includes(target.workload)) {
        log.info({ action: action.name, workload: target.workload }, 'action not allowed for workload');
        continue;
      }
      const params = action.plan(report.metrics, rule.params);
      if (params === undefined) {
        log.info({ action: action.name }, 'action planner declined');
        continue;
      }
      const now = new Date();
      const reason = renderTemplate(rule.reason, report.metrics);
      const proposal: Proposal = {
        id: `P-${randomBytes(6).toString('hex')}`,
        incidentId,
        action: action.name,
        title: action.title,
        target: target.name,
        params: JSON.stringify(params),
        command: action.command(params),
        reason,
        risk: action.risk,
        status: 'pending',
        requester,
        createdAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + this.d.approvals.expiresAfter).toISOString(),
        decidedBy: '',
        decidedAt: '',
        channel: '',
        messageTs: '',
        result: '',
      };
      await this.d.proposals.create(proposal);
      const incident = await this.d.store.require(incidentId);
      const ts = await this.d.thread.post(incidentId, proposalMessage(proposal));
      await this.d.proposals.update(proposal.id, { channel: incident.channel, messageTs: ts });
      await this.d.timeline.append(incidentId, {
        type: 'proposal.created',
        actor: 'bot',
        text: `Proposed ${action.title} on ${target.name}: ${proposal.command} — ${reason}`,
        data: { proposalId: proposal.id, action: action.name, command: proposal.command, requester },
      });
    }
  }
}

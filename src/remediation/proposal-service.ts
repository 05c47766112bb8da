import { randomBytes } from 'node:crypto';
import { proposalDecidedMessage, proposalMessage } from '../blocks/proposal.js';
import type { ConfigFile } from '../config/config-file.js';
import type { IncidentStore } from '../incidents/incident-store.js';
import type { IncidentThread } from '../incidents/incident-thread.js';
import type { Timeline } from '../incidents/timeline.js';
import type { Enqueue } from '../kernel/enqueue.js';
import type { Logger } from '../kernel/logger.js';
import type { TargetRegistry } from '../targets/target-registry.js';
import type { Figures, RemediationAction } from './action.js';
import { checkApprover } from './approval-policy.js';
import type { Proposal } from './proposal.js';
import type { ProposalStore } from './proposal-store.js';
import type { RemediationJob } from './remediation-job.js';

/**
 * A fix some diagnosis asks for (a runbook rule whose `when` held). Declared here, where it is consumed, so that
 * remediation never imports diagnostics; the diagnosis side emits the same shape and the compiler checks they fit.
 */
export interface ProposalRequest {
  action: string;
  target: string;
  /** The rule's `params`, handed to the action's planner. */
  ruleParams: Record<string, unknown>;
  metrics: Figures;
  /** Why, in words (already rendered from the figures). */
  reason: string;
}

export interface ProposalServiceDeps {
  proposals: ProposalStore;
  incidents: IncidentStore;
  timeline: Timeline;
  thread: IncidentThread;
  queues: Enqueue<{ remediations: RemediationJob }>;
  targets: TargetRegistry;
  actions: ReadonlyMap<string, RemediationAction>;
  approvals: ConfigFile['approvals'];
}

/** What the clicker is told privately; undefined when the public thread says it all. */
export type DecisionReply = string | undefined;

/**
 * A proposal's life up to its execution: proposed (stored and posted with Approve / Reject), decided (policy, an
 * atomic decision, then the remediation job), and redrawn from stored state whenever it changes.
 */
export class ProposalService {
  constructor(private readonly d: ProposalServiceDeps) {}

  /**
   * Turns requests into proposals in the incident's thread, in order: each one whose action is known, allowed for
   * the target's workload and accepted by its planner is stored, posted, and put on the timeline.
   */
  async propose(
    incidentId: string,
    requests: readonly ProposalRequest[],
    requester: string,
    log: Logger,
  ): Promise<void> {
    for (const req of requests) {
      const target = this.d.targets.get(req.target);
      if (!target) continue;
      if (target.cluster) {
        // A cluster-wide figure comes from whichever primary is worst; a one-click write would land on an arbitrary
        // node. Until actions carry their node, cluster targets get findings and advice, not buttons.
        log.info({ target: target.name }, 'no proposals for cluster targets');
        continue;
      }
      const action = this.d.actions.get(req.action);
      if (!action) continue;
      if (!action.workloads.includes(target.workload)) {
        log.info({ action: action.name, workload: target.workload }, 'action not allowed for workload');
        continue;
      }
      const params = action.plan(req.metrics, req.ruleParams);
      if (params === undefined) {
        log.info({ action: action.name }, 'action planner declined');
        continue;
      }
      const now = new Date();
      const proposal: Proposal = {
        id: `P-${randomBytes(6).toString('hex')}`,
        incidentId,
        action: action.name,
        title: action.title,
        target: target.name,
        params: JSON.stringify(params),
        command: action.command(params),
        reason: req.reason,
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
      const incident = await this.d.incidents.require(incidentId);
      const ts = await this.d.thread.post(incidentId, proposalMessage(proposal));
      await this.d.proposals.update(proposal.id, { channel: incident.channel, messageTs: ts });
      await this.d.timeline.append(incidentId, {
        type: 'proposal.created',
        actor: 'bot',
        text: `Proposed ${action.title} on ${target.name}: ${proposal.command} — ${req.reason}`,
        data: { proposalId: proposal.id, action: action.name, command: proposal.command, requester },
      });
    }
  }

  /** An Approve / Reject click: the approval policy, an atomic decision, then (approved) the remediation job. */
  async decide(
    proposalId: string,
    decision: 'approved' | 'rejected',
    user: string,
    logger: Logger,
  ): Promise<DecisionReply> {
    const p = await this.d.proposals.get(proposalId);
    if (!p) return `Proposal ${proposalId} does not exist (any more).`;
    if (decision === 'approved') {
      const check = checkApprover(user, p, this.d.approvals);
      if (!check.ok) {
        await this.d.timeline.append(p.incidentId, {
          type: 'proposal.refused',
          actor: user,
          text: `Approval of ${p.title} refused for <@${user}>: ${check.reason}`,
          data: { proposalId },
        });
        logger.info({ proposalId, user }, 'approval refused');
        return `Not approved: ${check.reason}.`;
      }
    } else if (!this.d.approvals.approvers.includes(user)) {
      return 'Only approvers can reject a proposal; nothing changed.';
    }
    const outcome = await this.d.proposals.decide(proposalId, decision, user, new Date());
    if (outcome !== 'ok') {
      if (outcome === 'expired') await this.redraw(proposalId);
      if (outcome === 'withdrawn') return `Nothing done: ${p.title} was withdrawn when ${p.incidentId} was resolved.`;
      return `Nothing done: ${p.title} is already ${outcome}.`;
    }
    await this.d.timeline.append(p.incidentId, {
      type: decision === 'approved' ? 'proposal.approved' : 'proposal.rejected',
      actor: user,
      text: `${decision === 'approved' ? 'Approved' : 'Rejected'} by <@${user}>: ${p.command} on ${p.target}`,
      data: { proposalId, action: p.action, requester: p.requester },
    });
    if (decision === 'approved') {
      // jobId = proposal id: BullMQ ignores a second add, and the ledger in the worker guards the rest.
      await this.d.queues.add('remediations', { proposalId }, proposalId);
    }
    await this.redraw(proposalId);
    await this.d.thread.refreshCard(p.incidentId);
    return undefined;
  }

  /**
   * Withdraws the incident's pending proposals (an atomic pending → withdrawn in the store), records each on the
   * timeline and redraws its message without buttons. Called where an incident resolves; returns how many.
   */
  async withdrawPending(incidentId: string, reason = 'incident resolved'): Promise<number> {
    const ids = await this.d.proposals.withdrawPending(incidentId, reason, new Date());
    for (const id of ids) {
      const p = await this.d.proposals.require(id);
      await this.d.timeline.append(incidentId, {
        type: 'proposal.withdrawn',
        actor: 'bot',
        text: `Withdrawn (${reason}): ${p.command} on ${p.target}`,
        data: { proposalId: id, action: p.action, reason },
      });
      await this.redraw(id);
    }
    return ids.length;
  }

  /** Re-renders the proposal message from stored state (buttons gone once decided). */
  async redraw(proposalId: string): Promise<void> {
    const p = await this.d.proposals.require(proposalId);
    if (p.channel && p.messageTs) await this.d.thread.update(p.channel, p.messageTs, proposalDecidedMessage(p));
  }
}

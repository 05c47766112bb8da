import type { ConfigFile } from '../config/config-file.js';
import type { IncidentThread } from '../incidents/incident-thread.js';
import type { Timeline } from '../incidents/timeline.js';
import type { Logger } from '../kernel/logger.js';
import type { Queues } from '../queues/queues.js';
import { proposalDecidedMessage } from '../slack/blocks/proposal.js';
import type { SlackNotifier } from '../slack/slack-notifier.js';
import { checkApprover } from './approval-policy.js';
import type { ProposalStore } from './proposal-store.js';

export interface ApprovalServiceDeps {
  proposals: ProposalStore;
  timeline: Timeline;
  thread: IncidentThread;
  notifier: SlackNotifier;
  queues: Queues;
  approvals: ConfigFile['approvals'];
}

/** What the clicker is told privately; undefined when the public thread says it all. */
export type DecisionReply = string | undefined;

/** Handles Approve / Reject clicks: policy, an atomic decision, then the remediation job. */
export class ApprovalService {
  constructor(private readonly d: ApprovalServiceDeps) {}

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
      if (outcome === 'expired') await this.refresh(proposalId);
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
    await this.refresh(proposalId);
    await this.d.thread.refreshCard(p.incidentId);
    return undefined;
  }

  /** Re-renders the proposal message from stored state (buttons gone once decided). */
  async refresh(proposalId: string): Promise<void> {
    const p = await this.d.proposals.require(proposalId);
    if (p.channel && p.messageTs) await this.d.notifier.update(p.channel, p.messageTs, proposalDecidedMessage(p));
  }
}

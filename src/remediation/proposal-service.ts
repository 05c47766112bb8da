import { createHash, randomBytes } from 'node:crypto';
import type { ChainableCommander } from 'ioredis';
import { proposalDecidedMessage, proposalMessage } from '../blocks/proposal.js';
import type { SlackMessage } from '../blocks/types.js';
import type { ConfigFile } from '../config/config-file.js';
import type { IncidentStore } from '../incidents/incident-store.js';
import type { IncidentThread } from '../incidents/incident-thread.js';
import type { Timeline } from '../incidents/timeline.js';
import { commit } from '../kernel/commit.js';
import type { Logger } from '../kernel/logger.js';
import { OwedJobs } from '../kernel/owed-jobs.js';
import type { TargetRegistry } from '../targets/target-registry.js';
import type { Figures, RemediationAction } from './action.js';
import { checkApprover } from './approval-policy.js';
import type { Proposal } from './proposal.js';
import type { DecideOutcome, ProposalStore } from './proposal-store.js';
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
  /** The remediation job an approval owes, committed with the decision. */
  jobs: OwedJobs<{ remediations: RemediationJob }>;
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
   * the target's workload and accepted by its planner is stored, put on the timeline and owed as a thread message,
   * in one MULTI. A proposal is identified by (incident, action, parameters): while one is pending the same fix is
   * not offered again, whatever asked for it. `origin` names the request (the diagnosis job): its proposal ids are
   * derived from it, so a re-run of the same diagnosis creates and posts nothing new.
   */
  async propose(
    incidentId: string,
    requests: readonly ProposalRequest[],
    requester: string,
    log: Logger,
    origin = `adhoc-${randomBytes(6).toString('hex')}`,
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
      const paramsJson = canonicalJson(params);
      const now = new Date();
      const offered = (await this.d.proposals.listForIncident(incidentId)).find(
        (p) =>
          p.status === 'pending' &&
          p.expiresAt > now.toISOString() &&
          p.action === action.name &&
          p.target === target.name &&
          canonicalJson(JSON.parse(p.params)) === paramsJson,
      );
      if (offered) {
        log.info({ action: action.name, proposalId: offered.id }, 'same fix already pending; not offered again');
        continue;
      }
      const id = `P-${createHash('sha256').update(`${incidentId}|${origin}|${action.name}|${target.name}|${paramsJson}`).digest('hex').slice(0, 12)}`;
      const proposal: Proposal = {
        id,
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
      await this.d.incidents.commitOnce(`proposal:${id}`, (tx) => {
        this.d.proposals.createIn(tx, proposal);
        this.d.timeline.appendIn(tx, incidentId, {
          type: 'proposal.created',
          actor: 'bot',
          text: `Proposed ${action.title} on ${target.name}: ${proposal.command} — ${req.reason}`,
          data: { proposalId: proposal.id, action: action.name, command: proposal.command, requester },
        });
        // Rendered from the proposal's state when delivered: decided before Slack saw it, it shows the decision.
        this.d.thread.say(tx, incidentId, proposalKey(id));
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
    // One MULTI: the atomic decision (with its timeline entry and, approved, the remediation job it owes — both only
    // when the decision is made), then the proposal's redraw and the card, owed whatever the outcome (they render
    // the current state). The job is owed, not only enqueued: a crash before the enqueue leaves it to the sweeper.
    const tx = this.d.incidents.multi();
    this.d.proposals.decideIn(tx, proposalId, decision, user, new Date(), {
      timeline: {
        key: this.d.timeline.key(p.incidentId),
        fields: this.d.timeline.fields({
          type: decision === 'approved' ? 'proposal.approved' : 'proposal.rejected',
          actor: user,
          text: `${decision === 'approved' ? 'Approved' : 'Rejected'} by <@${user}>: ${p.command} on ${p.target}`,
          data: { proposalId, action: p.action, requester: p.requester },
        }),
      },
      // jobId = proposal id: BullMQ ignores a second add, and the ledger in the worker guards the rest.
      ...(decision === 'approved'
        ? { job: { key: this.d.jobs.key, id: proposalId, entry: OwedJobs.entry('remediations', { proposalId }) } }
        : {}),
    });
    this.d.thread.redrawIn(tx, proposalKey(proposalId));
    this.d.thread.card(tx, p.incidentId);
    const [outcome] = (await commit(tx)) as [DecideOutcome];
    if (outcome === 'withdrawn') return `Nothing done: ${p.title} was withdrawn when ${p.incidentId} was resolved.`;
    if (outcome !== 'ok') return `Nothing done: ${p.title} is already ${outcome}.`;
    if (decision === 'approved') await this.d.jobs.flush([proposalId]);
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
    if (ids.length > 0) await this.d.thread.refreshCard(incidentId);
    return ids.length;
  }

  /** Owes a redraw of the proposal message from stored state (buttons gone once decided). */
  async redraw(proposalId: string): Promise<void> {
    await this.d.thread.redraw(proposalKey(proposalId));
  }

  /** Adds the redraw to `multi`. */
  redrawIn(tx: ChainableCommander, proposalId: string): ChainableCommander {
    return this.d.thread.redrawIn(tx, proposalKey(proposalId));
  }

  /** Records where a proposal's message landed (the deliverer calls this for every first post). */
  async posted(key: string, sent: { channel: string; ts: string }): Promise<void> {
    if (!key.startsWith(PROPOSAL_KEY)) return;
    await this.d.proposals.update(key.slice(PROPOSAL_KEY.length), { channel: sent.channel, messageTs: sent.ts });
  }

  /** The proposal's message as it stands now (outbox key `proposal:<id>`); undefined when it is gone. */
  async render(key: string): Promise<SlackMessage | undefined> {
    if (!key.startsWith(PROPOSAL_KEY)) return undefined;
    const p = await this.d.proposals.get(key.slice(PROPOSAL_KEY.length));
    if (!p) return undefined;
    return p.status === 'pending' ? proposalMessage(p) : proposalDecidedMessage(p);
  }
}

const PROPOSAL_KEY = 'proposal:';

/** The outbox key of a proposal's thread message. */
export function proposalKey(proposalId: string): string {
  return `${PROPOSAL_KEY}${proposalId}`;
}

/** The outbox key of a proposal's outcome message (the worker's result or the recovery's "interrupted"). */
export function resultKey(proposalId: string): string {
  return `result:${proposalId}`;
}

/** JSON with sorted keys, so equal parameters compare equal however they were built. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.entries(v as Record<string, unknown>)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

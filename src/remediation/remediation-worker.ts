import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { remediationResultMessage } from '../blocks/remediation-result.js';
import type { IncidentThread } from '../incidents/incident-thread.js';
import type { Timeline } from '../incidents/timeline.js';
import { formatBytes } from '../kernel/bytes.js';
import { commit } from '../kernel/commit.js';
import { errorMessage } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import { redactText } from '../kernel/redact.js';
import type { TargetRegistry } from '../targets/target-registry.js';
import type { Figures, RemediationAction } from './action.js';
import type { ExecutionLedger, ExecutionPhase } from './execution-ledger.js';
import type { ExecutionRecovery } from './execution-recovery.js';
import { type ProposalService, resultKey } from './proposal-service.js';
import type { ProposalStore } from './proposal-store.js';

export interface RemediationWorkerDeps {
  proposals: ProposalStore;
  ledger: ExecutionLedger;
  /** Takes over a run whose lease expired (a stalled job re-delivered after its worker died). */
  recovery: Pick<ExecutionRecovery, 'recover'>;
  timeline: Timeline;
  thread: IncidentThread;
  targets: TargetRegistry;
  actions: ReadonlyMap<string, RemediationAction>;
  /** Redraws the proposal message once the result is in. */
  proposalService: Pick<ProposalService, 'redraw' | 'redrawIn'>;
  /** Lease TTL; renewed every third of it while the run is alive. */
  leaseMs: number;
  /** The run's budget (the job timeout): the lease is not renewed past it, so a hung run is recovered. */
  runBudgetMs: number;
  /** Test hook: stop (and announce it) right after recording this phase, so a test can SIGKILL the process there. */
  pauseAt?: ExecutionPhase | undefined;
}

export type ExecutionOutcome = 'executed' | 'skipped' | 'failed' | 'duplicate' | 'interrupted';

function showFigures(f: Figures): string {
  return Object.entries(f)
    .map(([k, v]) => `${k}=${typeof v === 'number' && /memory|bytes|rss/.test(k) ? formatBytes(v) : v}`)
    .join(', ');
}

/**
 * Runs an approved proposal at most once (a `remediations` job): claim with a lease → re-check → write → verify →
 * record, each phase in the ledger. A delivery that finds the claim taken runs nothing: a live lease means the fix is
 * running elsewhere, an expired one is handed to the recovery, which reads the target instead of writing again.
 */
export class RemediationWorker {
  constructor(private readonly d: RemediationWorkerDeps) {}

  /** Runs one approved proposal; `duplicate` when another run holds or finished it, so nothing ran twice. */
  async execute(proposalId: string, logger: Logger): Promise<ExecutionOutcome> {
    const log = logger.child({ proposalId });
    const token = randomUUID();
    const owner = `${hostname()}:${process.pid}`;
    if (!(await this.d.ledger.claim(proposalId, token, owner, this.d.leaseMs))) {
      const entry = await this.d.ledger.read(proposalId);
      if (entry && entry.phase !== 'done' && !(await this.d.ledger.leaseLive(proposalId))) {
        const r = await this.d.recovery.recover(proposalId, log);
        if (r === 'interrupted') return 'interrupted';
      }
      log.info({ phase: entry?.phase }, 'already claimed; not running again');
      return 'duplicate';
    }
    const keeper = this.d.ledger.keepAlive(proposalId, token, this.d.leaseMs, Date.now() + this.d.runBudgetMs, () =>
      log.warn('execution lease lost; the recovery reports this run'),
    );
    try {
      return await this.run(proposalId, token, owner, log);
    } finally {
      keeper.stop();
    }
  }

  private async run(proposalId: string, token: string, owner: string, log: Logger): Promise<ExecutionOutcome> {
    let before: Figures | undefined;
    // Records a phase (owner-only) and honours the test pause; false when the lease was lost.
    const phase = async (name: ExecutionPhase): Promise<boolean> => {
      const at = new Date().toISOString();
      const ok = await this.d.ledger.advance(proposalId, token, {
        phase: name,
        owner,
        at,
        ...(before ? { before } : {}),
      });
      if (ok && this.d.pauseAt === name) {
        await this.d.ledger.announcePause(proposalId, name);
        await new Promise<never>(() => undefined); // held here until the test kills the process
      }
      return ok;
    };
    if (!(await phase('claimed'))) return 'interrupted';
    const p = await this.d.proposals.require(proposalId);
    const finish = async (status: 'executed' | 'skipped' | 'failed', result: string, data: Record<string, unknown>) => {
      const at = new Date().toISOString();
      if (!(await this.d.ledger.finish(proposalId, token, { owner, at, status, result }))) {
        log.warn({ status }, 'execution lease lost before recording; the recovery reported this run');
        return 'interrupted' as const;
      }
      // Recorded in the ledger (above, owner-only); the rest commits together: state, timeline, the result message
      // (one key per proposal, shared with the recovery's report, so a run is reported once), redraw and card.
      const tx = this.d.proposals.updateIn(this.d.proposals.multi(), proposalId, { status, result });
      this.d.timeline.appendIn(tx, p.incidentId, {
        type: status === 'executed' ? 'action.executed' : status === 'skipped' ? 'action.skipped' : 'action.failed',
        actor: 'bot',
        text: `${p.title} on ${p.target}: ${result}`,
        data: { proposalId, action: p.action, approver: p.decidedBy, requester: p.requester, ...data },
      });
      this.d.thread.say(
        tx,
        p.incidentId,
        resultKey(proposalId),
        remediationResultMessage(p, status, Boolean(data.verified), result),
      );
      this.d.proposalService.redrawIn(tx, proposalId);
      this.d.thread.card(tx, p.incidentId);
      await commit(tx);
      return status;
    };
    if (p.status !== 'approved') return finish('skipped', `proposal is ${p.status}, not approved`, {});
    const action = this.d.actions.get(p.action);
    const target = this.d.targets.get(p.target);
    if (!action || !target)
      return finish('failed', `unknown ${!action ? `action ${p.action}` : `target ${p.target}`}`, {});
    if (!action.workloads.includes(target.workload))
      return finish('skipped', `${action.name} is not allowed on a ${target.workload} workload`, {});
    const params = action.paramsSchema.parse(JSON.parse(p.params));
    let client: Awaited<ReturnType<TargetRegistry['connect']>> | undefined;
    try {
      client = await this.d.targets.connect(target);
      const ctx = { client, target, logger: log };
      const pre = await action.precondition(ctx, params);
      if (!pre.ok)
        return await finish('skipped', `precondition no longer holds: ${pre.reason}`, { before: pre.before });
      before = pre.before;
      if (!(await phase('precondition-checked'))) return 'interrupted';
      // Last owner check before the write: a run that lost its lease leaves the target alone.
      if (!(await phase('writing'))) return 'interrupted';
      const reply = await action.execute(ctx, params);
      await phase('written');
      log.info({ action: action.name, reply }, 'remediation executed');
      const v = await action.verify(ctx, params, pre.before);
      await phase('verified');
      return await finish(
        'executed',
        `${p.command} → ${reply}. ${v.summary}\nbefore: ${showFigures(pre.before)}\nafter: ${showFigures(v.after)}`,
        {
          before: pre.before,
          after: v.after,
          verified: v.ok,
          reply,
        },
      );
    } catch (err) {
      log.error({ err }, 'remediation failed');
      return finish('failed', `error: ${redactText(errorMessage(err))}`, {});
    } finally {
      client?.disconnect();
    }
  }
}

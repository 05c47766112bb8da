import { hostname } from 'node:os';
import type { IncidentThread } from '../incidents/incident-thread.js';
import type { Timeline } from '../incidents/timeline.js';
import { formatBytes } from '../kernel/bytes.js';
import { errorMessage } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import { redactText } from '../kernel/redact.js';
import { remediationResultMessage } from '../slack/blocks/remediation-result.js';
import type { TargetRegistry } from '../targets/target-registry.js';
import type { Figures, RemediationAction } from './action.js';
import type { ProposalService } from './proposal-service.js';
import type { ProposalStore } from './proposal-store.js';

export interface RemediationWorkerDeps {
  proposals: ProposalStore;
  timeline: Timeline;
  thread: IncidentThread;
  targets: TargetRegistry;
  actions: ReadonlyMap<string, RemediationAction>;
  /** Redraws the proposal message once the result is in. */
  proposalService: Pick<ProposalService, 'redraw'>;
}

function showFigures(f: Figures): string {
  return Object.entries(f)
    .map(([k, v]) => `${k}=${typeof v === 'number' && /memory|bytes|rss/.test(k) ? formatBytes(v) : v}`)
    .join(', ');
}

/** Runs an approved proposal exactly once (a `remediations` job): claim → re-check → write → verify → record. */
export class RemediationWorker {
  constructor(private readonly d: RemediationWorkerDeps) {}

  /** Runs one approved proposal; `duplicate` when another run already claimed it, so nothing ran twice. */
  async execute(proposalId: string, logger: Logger): Promise<'executed' | 'skipped' | 'failed' | 'duplicate'> {
    const log = logger.child({ proposalId });
    if (!(await this.d.proposals.claimExecution(proposalId, `${hostname()}:${process.pid}`))) {
      log.info('already claimed; not running again');
      return 'duplicate';
    }
    const p = await this.d.proposals.require(proposalId);
    const finish = async (status: 'executed' | 'skipped' | 'failed', result: string, data: Record<string, unknown>) => {
      await this.d.proposals.update(proposalId, { status, result });
      await this.d.proposals.recordExecution(proposalId, { status, result, at: new Date().toISOString() });
      await this.d.timeline.append(p.incidentId, {
        type: status === 'executed' ? 'action.executed' : status === 'skipped' ? 'action.skipped' : 'action.failed',
        actor: 'bot',
        text: `${p.title} on ${p.target}: ${result}`,
        data: { proposalId, action: p.action, approver: p.decidedBy, requester: p.requester, ...data },
      });
      await this.d.thread.post(p.incidentId, remediationResultMessage(p, status, Boolean(data.verified), result));
      await this.d.proposalService.redraw(proposalId);
      await this.d.thread.refreshCard(p.incidentId);
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
      const reply = await action.execute(ctx, params);
      log.info({ action: action.name, reply }, 'remediation executed');
      const v = await action.verify(ctx, params, pre.before);
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

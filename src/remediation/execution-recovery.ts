import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { remediationResultMessage } from '../blocks/remediation-result.js';
import type { IncidentThread } from '../incidents/incident-thread.js';
import type { Timeline } from '../incidents/timeline.js';
import { commit } from '../kernel/commit.js';
import { errorMessage, isAppError } from '../kernel/errors.js';
import { withLock } from '../kernel/lock.js';
import type { Logger } from '../kernel/logger.js';
import { redactText } from '../kernel/redact.js';
import type { TargetRegistry } from '../targets/target-registry.js';
import type { ActionContext, Observation, RemediationAction } from './action.js';
import type { ExecutionLedger, ExecutionPhase } from './execution-ledger.js';
import { type ProposalService, resultKey } from './proposal-service.js';
import type { ProposalStore } from './proposal-store.js';

export interface ExecutionRecoveryDeps {
  redis: Redis;
  prefix: string;
  ledger: ExecutionLedger;
  proposals: ProposalStore;
  timeline: Timeline;
  thread: IncidentThread;
  targets: TargetRegistry;
  actions: ReadonlyMap<string, RemediationAction>;
  proposalService: Pick<ProposalService, 'redraw' | 'redrawIn'>;
  leaseMs: number;
}

/** Phases after which the write may have reached the target; before them it certainly did not. */
const MAY_HAVE_WRITTEN: readonly ExecutionPhase[] = ['writing', 'written', 'verified'];

/** The action's own read-only check, or verify's read when it has none. */
async function observe(
  action: RemediationAction,
  ctx: ActionContext,
  params: unknown,
  before: Record<string, number | string>,
): Promise<Observation> {
  if (action.observe) return action.observe(ctx, params, before);
  const v = await action.verify(ctx, params, before);
  return { applied: v.ok, summary: v.summary, figures: v.after };
}

/**
 * Finds out what happened to a fix whose worker died (its lease expired): takes the lease over, reads the target,
 * and records, on the proposal, the ledger and the timeline, and in the thread, whether the write took effect.
 * It never runs the write again; a target it cannot read is left to a human, said so in the thread.
 */
export class ExecutionRecovery {
  constructor(private readonly d: ExecutionRecoveryDeps) {}

  /** Recovers one run if its lease expired; `busy` while its owner (or another recoverer) holds the lease. */
  async recover(proposalId: string, logger: Logger): Promise<'interrupted' | 'busy' | 'none'> {
    const log = logger.child({ proposalId });
    const token = randomUUID();
    if (!(await this.d.ledger.takeOver(proposalId, token, this.d.leaseMs))) return 'busy';
    const entry = await this.d.ledger.read(proposalId);
    if (!entry || entry.phase === 'done') {
      await this.d.ledger.release(proposalId, token);
      await this.d.ledger.forget(proposalId);
      return 'none';
    }
    const keeper = this.d.ledger.keepAlive(proposalId, token, this.d.leaseMs, Date.now() + 60_000, () =>
      log.warn('lost the recovery lease'),
    );
    try {
      const p = await this.d.proposals.require(proposalId);
      const outcome = await this.readOutcome(p, entry.phase, entry.before ?? {}, log);
      const result = `interrupted at ${entry.phase} (worker ${entry.owner} died): ${outcome.text}`;
      const finished = await this.d.ledger.finish(proposalId, token, {
        owner: `${hostname()}:${process.pid} (recovery)`,
        at: new Date().toISOString(),
        status: 'interrupted',
        result,
        ...(outcome.applied === undefined ? {} : { applied: outcome.applied }),
      });
      if (!finished) return 'busy';
      log.warn({ phase: entry.phase, applied: outcome.applied, owner: entry.owner }, 'remediation interrupted');
      const tx = this.d.proposals.updateIn(this.d.proposals.multi(), proposalId, { status: 'interrupted', result });
      this.d.timeline.appendIn(tx, p.incidentId, {
        type: 'action.interrupted',
        actor: 'bot',
        text: `${p.title} on ${p.target}: ${result}`,
        data: {
          proposalId,
          action: p.action,
          approver: p.decidedBy,
          phase: entry.phase,
          applied: outcome.applied ?? 'unknown',
          ...(outcome.figures ? { after: outcome.figures } : {}),
        },
      });
      this.d.thread.say(
        tx,
        p.incidentId,
        resultKey(proposalId),
        remediationResultMessage(p, 'interrupted', false, result),
      );
      this.d.proposalService.redrawIn(tx, proposalId);
      this.d.thread.card(tx, p.incidentId);
      await commit(tx);
      return 'interrupted';
    } finally {
      keeper.stop();
    }
  }

  private async readOutcome(
    p: { action: string; target: string; params: string },
    phase: ExecutionPhase,
    before: Record<string, number | string>,
    logger: Logger,
  ): Promise<{ text: string; applied?: boolean; figures?: Record<string, number | string> }> {
    const action = this.d.actions.get(p.action);
    const target = this.d.targets.get(p.target);
    if (!action || !target) return { text: `could not read the target: unknown ${action ? 'target' : 'action'}` };
    let client: Awaited<ReturnType<TargetRegistry['connect']>> | undefined;
    try {
      client = await this.d.targets.connect(target);
      const params = action.paramsSchema.parse(JSON.parse(p.params));
      const seen = await observe(action, { client, target, logger }, params, before);
      // Before `writing` the worker had not sent the write: whatever the target shows, this run did not change it.
      const applied = MAY_HAVE_WRITTEN.includes(phase) && seen.applied;
      const tail = applied ? 'so the fix did apply' : 'so the fix did not apply';
      const note = applied ? '' : '; not run again (approve a new proposal to retry)';
      return { text: `${seen.summary}, ${tail}${note}`, applied, figures: seen.figures };
    } catch (err) {
      return {
        text: `could not read the target: ${redactText(errorMessage(err))}; check it by hand, nothing was re-run`,
      };
    } finally {
      client?.disconnect();
    }
  }

  /** Recovers every unfinished run whose lease expired; one sweeper at a time across replicas (its own lock). */
  async sweep(logger: Logger): Promise<number> {
    try {
      return await withLock(this.d.redis, `${this.d.prefix}:lock:execution-sweep`, 30_000, async () => {
        let recovered = 0;
        for (const id of await this.d.ledger.unfinished()) {
          if ((await this.recover(id, logger)) === 'interrupted') recovered += 1;
        }
        return recovered;
      });
    } catch (err) {
      if (isAppError(err, 'LOCK_BUSY')) return 0; // another replica is sweeping
      throw err;
    }
  }

  /** Sweeps every `intervalMs` until the returned stop function is called (and its sweep in flight is done). */
  startSweeper(logger: Logger, intervalMs: number): () => Promise<void> {
    let inFlight: Promise<unknown> = Promise.resolve();
    const timer = setInterval(() => {
      inFlight = this.sweep(logger).catch((err: unknown) => logger.error({ err }, 'execution sweep failed'));
    }, intervalMs);
    timer.unref();
    return async () => {
      clearInterval(timer);
      await inFlight;
    };
  }
}

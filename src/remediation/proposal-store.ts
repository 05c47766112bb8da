import type { ChainableCommander, Redis } from 'ioredis';
import { AppError } from '../kernel/errors.js';
import { ledgerKey } from './execution-ledger.js';
import { type Proposal, ProposalSchema } from './proposal.js';

// Atomic decision: only a pending, unexpired proposal changes state, so two clicks (or two replicas) cannot both
// approve. Returns 'ok', or the status that made the decision impossible.
const DECIDE = `
local status = redis.call('hget', KEYS[1], 'status')
if not status then return 'missing' end
if status ~= 'pending' then return status end
if ARGV[4] > redis.call('hget', KEYS[1], 'expiresAt') then
  redis.call('hset', KEYS[1], 'status', 'expired')
  return 'expired'
end
redis.call('hset', KEYS[1], 'status', ARGV[1], 'decidedBy', ARGV[2], 'decidedAt', ARGV[3])
if KEYS[2] then redis.call('xadd', KEYS[2], '*', unpack(cjson.decode(ARGV[5]))) end
if KEYS[3] then redis.call('hset', KEYS[3], ARGV[6], ARGV[7]) end
return 'ok'
`;

// Withdrawal: every proposal in KEYS still pending becomes withdrawn, in one step, so an Approve racing the
// resolution either lands first (and the proposal is not withdrawn) or finds it withdrawn. Returns the ids withdrawn.
const WITHDRAW = `
local withdrawn = {}
for i, key in ipairs(KEYS) do
  if redis.call('hget', key, 'status') == 'pending' then
    redis.call('hset', key, 'status', 'withdrawn', 'decidedAt', ARGV[1], 'result', ARGV[2])
    table.insert(withdrawn, redis.call('hget', key, 'id'))
  end
end
return withdrawn
`;
/** What a decision commits with it, only when it is made: its timeline entry and, for an approval, its job. */
export interface DecisionRecord {
  timeline: { key: string; fields: string[] };
  job?: { key: string; id: string; entry: string };
}

export type DecideOutcome = 'ok' | 'missing' | Proposal['status'];

/** Proposals in the state Redis (the execution ledger itself is ExecutionLedger's). */
export class ProposalStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(id: string): string {
    return `${this.prefix}:proposal:${id}`;
  }

  async create(p: Proposal): Promise<void> {
    await this.createIn(this.redis.multi(), p).exec();
  }

  /** Adds the proposal's creation to `multi` (with its timeline entry and owed message). */
  createIn(multi: ChainableCommander, p: Proposal): ChainableCommander {
    const valid = ProposalSchema.parse(p);
    return multi
      .hset(this.key(valid.id), valid)
      .sadd(`${this.prefix}:incident:${valid.incidentId}:proposals`, valid.id);
  }

  /** A MULTI on the state Redis, for a change that spans stores and owed effects. */
  multi(): ChainableCommander {
    return this.redis.multi();
  }

  updateIn(multi: ChainableCommander, id: string, fields: Partial<Proposal>): ChainableCommander {
    return multi.hset(this.key(id), fields as Record<string, string>);
  }

  async get(id: string): Promise<Proposal | undefined> {
    const raw = await this.redis.hgetall(this.key(id));
    return raw.id ? ProposalSchema.parse(raw) : undefined;
  }

  async require(id: string): Promise<Proposal> {
    const p = await this.get(id);
    if (!p) throw new AppError('PROPOSAL_NOT_FOUND', `no proposal ${id}`);
    return p;
  }

  async update(id: string, fields: Partial<Proposal>): Promise<void> {
    await this.redis.hset(this.key(id), fields as Record<string, string>);
  }

  async listForIncident(incidentId: string): Promise<Proposal[]> {
    const ids = await this.redis.smembers(`${this.prefix}:incident:${incidentId}:proposals`);
    const all = await Promise.all(ids.map((id) => this.get(id)));
    return all.filter((p): p is Proposal => p !== undefined).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** Moves a pending proposal to approved/rejected exactly once. */
  async decide(id: string, decision: 'approved' | 'rejected', user: string, now: Date): Promise<DecideOutcome> {
    const res = await this.redis.eval(DECIDE, 1, this.key(id), decision, user, now.toISOString(), now.toISOString());
    return String(res) as DecideOutcome;
  }

  /**
   * Withdraws every pending proposal of an incident at once (pending → withdrawn, `result` = why); returns the ids
   * withdrawn. Decided, running and finished proposals are left as they are.
   */
  async withdrawPending(incidentId: string, reason: string, now: Date): Promise<string[]> {
    const ids = await this.redis.smembers(`${this.prefix}:incident:${incidentId}:proposals`);
    if (ids.length === 0) return [];
    const res = await this.redis.eval(
      WITHDRAW,
      ids.length,
      ...ids.map((id) => this.key(id)),
      now.toISOString(),
      reason,
    );
    return (res as string[]).map(String);
  }

  /**
   * Adds the decision to `multi`, with what it commits only when made (`record`: the timeline entry, the owed
   * remediation job). The MULTI's reply for it is 'ok' or the status that made the decision impossible.
   */
  decideIn(
    multi: ChainableCommander,
    id: string,
    decision: 'approved' | 'rejected',
    user: string,
    now: Date,
    record: DecisionRecord,
  ): ChainableCommander {
    const keys = [this.key(id), record.timeline.key, ...(record.job ? [record.job.key] : [])];
    const at = now.toISOString();
    return multi.eval(
      DECIDE,
      keys.length,
      ...keys,
      decision,
      user,
      at,
      at,
      JSON.stringify(record.timeline.fields),
      record.job?.id ?? '',
      record.job?.entry ?? '',
    );
  }

  /** The execution ledger entry (JSON, see ExecutionLedger), undefined when the proposal never ran. */
  async ledger(id: string): Promise<string | undefined> {
    return (await this.redis.get(ledgerKey(this.prefix, id))) ?? undefined;
  }
}

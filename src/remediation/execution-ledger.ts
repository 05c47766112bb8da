import type { Redis } from 'ioredis';
import { z } from 'zod';

/** How far a run of an approved fix got; a recovery reads it to know whether the write may have been sent. */
export const ExecutionPhaseSchema = z.enum([
  'claimed',
  'precondition-checked',
  'writing',
  'written',
  'verified',
  'done',
]);
export type ExecutionPhase = z.infer<typeof ExecutionPhaseSchema>;

/** One proposal's entry in the execution ledger (`<prefix>:ledger:<id>`, JSON). */
export const LedgerEntrySchema = z.object({
  phase: ExecutionPhaseSchema,
  /** `host:pid` of the worker that claimed it (or took it over). */
  owner: z.string(),
  at: z.string(),
  /** What the precondition read, kept so a recovery can compare. */
  before: z.record(z.string(), z.union([z.number(), z.string()])).optional(),
  status: z.string().optional(),
  result: z.string().optional(),
  applied: z.boolean().optional(),
});
export type LedgerEntry = z.infer<typeof LedgerEntrySchema>;

const LEDGER_TTL_S = 30 * 86400;

// Claim: the ledger entry is created once (NX), together with the lease and the index of unfinished runs.
const CLAIM = `
if redis.call('exists', KEYS[1]) == 1 then return 0 end
redis.call('set', KEYS[1], ARGV[3], 'EX', ARGV[4])
redis.call('set', KEYS[2], ARGV[1], 'PX', ARGV[2])
redis.call('sadd', KEYS[3], ARGV[5])
return 1
`;
// Only the lease's owner moves the ledger on: a worker that lost its lease (paused past it, taken over) cannot.
const ADVANCE = `
if redis.call('get', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('set', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1
`;
const FINISH = `
if redis.call('get', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('set', KEYS[1], ARGV[2], 'EX', ARGV[3])
redis.call('del', KEYS[2])
redis.call('srem', KEYS[3], ARGV[4])
return 1
`;
const RENEW = `
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('pexpire', KEYS[1], ARGV[2])
`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/** A lease being renewed by a timer; `stop()` in a finally. */
export interface LeaseKeeper {
  stop(): void;
  /** False once a renewal found the lease gone or owned by someone else. */
  readonly held: boolean;
}

/** The ledger key of a proposal (also read by ProposalStore.ledger). */
export const ledgerKey = (prefix: string, id: string): string => `${prefix}:ledger:${id}`;

/**
 * The execution ledger and the execution leases in the state Redis (DOMAIN.md "Idempotency key"). The ledger entry
 * is claimed once and never re-claimed, so a write is never run twice; the lease (owner token, short TTL, renewed
 * while running) says whether its owner is still alive. Every change after the claim is compare-and-set on the token.
 */
export class ExecutionLedger {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private keys(id: string): [string, string, string] {
    return [ledgerKey(this.prefix, id), `${this.prefix}:lease:${id}`, `${this.prefix}:executions:running`];
  }

  /** Claims a proposal's execution with a lease; false when it was claimed before (running, done or interrupted). */
  async claim(id: string, token: string, owner: string, leaseMs: number): Promise<boolean> {
    const [ledger, lease, running] = this.keys(id);
    const entry: LedgerEntry = { phase: 'claimed', owner, at: new Date().toISOString() };
    const res = await this.redis.eval(
      CLAIM,
      3,
      ledger,
      lease,
      running,
      token,
      leaseMs,
      JSON.stringify(entry),
      LEDGER_TTL_S,
      id,
    );
    return res === 1;
  }

  /** Records a phase; false when `token` no longer holds the lease (the caller must stop). */
  async advance(id: string, token: string, entry: LedgerEntry): Promise<boolean> {
    const [ledger, lease] = this.keys(id);
    return (await this.redis.eval(ADVANCE, 2, ledger, lease, token, JSON.stringify(entry), LEDGER_TTL_S)) === 1;
  }

  /** Records the final entry, drops the lease and the index entry; false when `token` lost the lease. */
  async finish(id: string, token: string, entry: Omit<LedgerEntry, 'phase'>): Promise<boolean> {
    const [ledger, lease, running] = this.keys(id);
    const json = JSON.stringify({ ...entry, phase: 'done' });
    return (await this.redis.eval(FINISH, 3, ledger, lease, running, token, json, LEDGER_TTL_S, id)) === 1;
  }

  async read(id: string): Promise<LedgerEntry | undefined> {
    const raw = await this.redis.get(this.keys(id)[0]);
    if (!raw) return undefined;
    const parsed = LedgerEntrySchema.safeParse(JSON.parse(raw));
    // An entry from before leases ("processing by …" or a bare result) counts as done: never run again.
    return parsed.success ? parsed.data : { phase: 'done', owner: 'unknown', at: '' };
  }

  async leaseLive(id: string): Promise<boolean> {
    return (await this.redis.exists(this.keys(id)[1])) === 1;
  }

  /** Takes an expired lease over (SET NX): only one recoverer wins, and only once its owner stopped renewing. */
  async takeOver(id: string, token: string, leaseMs: number): Promise<boolean> {
    return (await this.redis.set(this.keys(id)[1], token, 'PX', leaseMs, 'NX')) === 'OK';
  }

  async release(id: string, token: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.keys(id)[1], token);
  }

  /** Ids of runs that never reached `done` (what the sweeper checks). */
  async unfinished(): Promise<string[]> {
    return this.redis.smembers(this.keys('')[2]);
  }

  async forget(id: string): Promise<void> {
    await this.redis.srem(this.keys(id)[2], id);
  }

  /**
   * Renews the lease every third of its TTL until `stop()` or `untilMs` (the run's budget): a run abandoned by its
   * job timeout stops renewing, so its lease expires and the sweeper reports it.
   */
  keepAlive(id: string, token: string, leaseMs: number, untilMs: number, onLost: () => void): LeaseKeeper {
    const key = this.keys(id)[1];
    let held = true;
    const timer = setInterval(
      () => {
        if (Date.now() > untilMs) {
          clearInterval(timer);
          return;
        }
        this.redis.eval(RENEW, 1, key, token, leaseMs).then(
          (res) => {
            if (res !== 1 && held) {
              held = false;
              clearInterval(timer);
              onLost();
            }
          },
          () => undefined, // state Redis hiccup: the next tick tries again, the lease has two more ticks of slack
        );
      },
      Math.max(50, Math.floor(leaseMs / 3)),
    );
    timer.unref();
    return {
      stop: () => clearInterval(timer),
      get held() {
        return held;
      },
    };
  }

  /** Test hook: tells a waiting test (BLPOP on `<prefix>:test:paused`) which run stopped at which phase. */
  async announcePause(id: string, phase: ExecutionPhase): Promise<void> {
    await this.redis.lpush(`${this.prefix}:test:paused`, `${id}:${phase}`);
  }
}

import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { SlackMessage } from '../../blocks/types.js';
import {
  type EffectKind,
  parseStoredMessage,
  type SentMessage,
  SentMessageSchema,
} from '../../incidents/owed-effects.js';
import { ACQUIRE, CLAIM, DEAD, NEXT_DUE, RELEASE, SENT, UPDATED } from './lua.js';

/** One effect leased to this deliverer: what to deliver, and the token that proves the lease is still ours. */
export interface Claim {
  member: string;
  id: string;
  token: string;
  kind: EffectKind;
  key: string;
  incidentId?: string;
  channel?: string;
  message?: SlackMessage;
  gen: number;
  owedAt: number;
  attempts: number;
  failures: number;
  /** An earlier call may have reached Slack (lost response, lease expired): look before posting. */
  uncertain: boolean;
  /** The message this effect delivered before (the card's own ts once posted). */
  own?: SentMessage;
  /** The message it needs: the thread's card for a reply, the post for a redraw. */
  dep?: SentMessage;
  leaseMs: number;
  /** `performance.now()` when the lease was taken, to know how much of it is left. */
  claimedAt: number;
}

/** A pace for one Slack method: `rate` calls per second, bursts of `burst`, per channel or for the workspace. */
export interface Budget {
  per: 'channel' | 'workspace';
  rate: number;
  burst: number;
}

const FieldsSchema = z.object({
  kind: z.enum(['card', 'post', 'redraw']),
  key: z.string(),
  incident: z.string().optional(),
  channel: z.string().optional(),
  message: z.string().optional(),
  gen: z.coerce.number(),
  owedAt: z.coerce.number(),
  attempts: z.coerce.number().default(0),
  failures: z.coerce.number().default(0),
  uncertain: z.string().optional(),
});

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');

function sent(raw: unknown): SentMessage | undefined {
  return typeof raw === 'string' && raw !== '' ? SentMessageSchema.parse(JSON.parse(raw)) : undefined;
}

/** The deliverer's side of the outbox: claim, conclude, pace. Each call is one script (see `lua.ts`). */
export class OutboxLedger {
  private readonly shas = new Map<string, string>();

  constructor(
    private readonly redis: Redis,
    /** The outbox prefix (`Outbox.prefix`). */
    private readonly prefix: string,
    /** How long a card or redraw owed again during its delivery waits before the next call (coalescing). */
    private readonly settleMs = 1_000,
  ) {}

  private async run(script: string, ...args: Array<string | number>): Promise<unknown> {
    let sha = this.shas.get(script);
    if (!sha) {
      sha = sha1(script);
      this.shas.set(script, sha);
    }
    try {
      return await this.redis.evalsha(sha, 0, this.prefix, ...args);
    } catch (err) {
      if (!String((err as Error).message).includes('NOSCRIPT')) throw err;
      return this.redis.eval(script, 0, this.prefix, ...args);
    }
  }

  /** Leases up to `max` due effects for `leaseMs`. */
  async claim(max: number, leaseMs: number): Promise<Claim[]> {
    const token = randomUUID();
    const rows = (await this.run(CLAIM, leaseMs, token, max, max * 4)) as unknown[][];
    const claimedAt = performance.now();
    return rows.map(([member, id, fields, own, dep]) => {
      const f = FieldsSchema.parse(JSON.parse(String(fields)));
      const ownSent = sent(own);
      const depSent = sent(dep);
      return {
        member: String(member),
        id: String(id),
        token,
        kind: f.kind,
        key: f.key,
        gen: f.gen,
        owedAt: f.owedAt,
        attempts: f.attempts + 1,
        failures: f.failures,
        uncertain: f.uncertain === '1',
        leaseMs,
        claimedAt,
        ...(f.incident ? { incidentId: f.incident } : {}),
        ...(f.channel ? { channel: f.channel } : {}),
        ...(f.message ? { message: parseStoredMessage(f.message) } : {}),
        ...(ownSent ? { own: ownSent } : {}),
        ...(depSent ? { dep: depSent } : {}),
      };
    });
  }

  /** Records where the posted message is and moves its thread on. False when the lease was lost meanwhile. */
  async sent(c: Claim, where: SentMessage): Promise<boolean> {
    return (await this.run(SENT, c.member, c.id, c.token, JSON.stringify(where), c.gen, this.settleMs)) === 1;
  }

  /** An update went through (done unless owed again since the claim). False when the lease was lost. */
  async updated(c: Claim): Promise<boolean> {
    return (await this.run(UPDATED, c.member, c.id, c.token, c.gen, this.settleMs)) === 1;
  }

  /**
   * Gives the effect back, due again in `delayMs`. `failure` counts towards the backoff; `uncertain` says whether
   * the call may have reached Slack (undefined keeps what was known); `gate` holds one method on one channel.
   */
  async release(
    c: Claim,
    o: {
      delayMs: number;
      failure?: boolean;
      uncertain?: boolean;
      error?: string;
      gate?: { method: string; channel: string; ms: number };
    },
  ): Promise<boolean> {
    const uncertain = o.uncertain === undefined ? '' : o.uncertain ? '1' : '0';
    const gate = o.gate ? `${o.gate.method}:${o.gate.channel}` : '';
    const res = await this.run(
      RELEASE,
      c.member,
      c.id,
      c.token,
      Math.max(0, Math.round(o.delayMs)),
      uncertain,
      o.failure ? '1' : '',
      (o.error ?? '').slice(0, 500),
      gate,
      Math.max(1, Math.round(o.gate?.ms ?? 1)),
    );
    return res === 1;
  }

  /** Gives up on the effect and keeps it in the dead-letter list. False when the lease was lost. */
  async dead(c: Claim, reason: string): Promise<boolean> {
    return (await this.run(DEAD, c.member, c.id, c.token, reason.slice(0, 500), '1', '')) === 1;
  }

  /** Forgets an effect with nothing left to deliver (its subject is gone), and a gone card's waiting replies. */
  async drop(c: Claim, reason: string): Promise<boolean> {
    return (await this.run(DEAD, c.member, c.id, c.token, reason.slice(0, 500), '', '1')) === 1;
  }

  /** Takes one call of `method` on `channel` from its budget: 0, or the ms to wait (Retry-After or pace). */
  async acquire(method: string, channel: string, budget: Budget): Promise<number> {
    const scope = budget.per === 'channel' ? channel : '*';
    return Number(await this.run(ACQUIRE, `${method}:${channel}`, `${method}:${scope}`, budget.rate, budget.burst));
  }

  /** Ms until the next effect falls due, or undefined when none is (or all wait for a ts). */
  async nextDueIn(): Promise<number | undefined> {
    const ms = Number(await this.run(NEXT_DUE));
    return ms < 0 ? undefined : ms;
  }
}

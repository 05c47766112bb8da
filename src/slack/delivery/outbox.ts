import type { ChainableCommander, Redis } from 'ioredis';
import { z } from 'zod';
import {
  cardKey,
  EFFECT_KINDS,
  type Effect,
  type EffectKind,
  EffectSchema,
  type SentMessage,
  SentMessageSchema,
} from '../../incidents/owed-effects.js';
import { OWE } from './lua.js';

/** How many effects of one kind are owed, and how long the oldest has waited. */
export interface Backlog {
  kind: EffectKind;
  count: number;
  oldestAgeSeconds: number;
}

/** An effect given up on (a permanent Slack error, or retried past the maximum age), kept for an operator. */
export interface DeadLetter {
  id: string;
  reason: string;
  at: number;
  effect: Record<string, string>;
}

const DeadLetterSchema = z.object({
  id: z.string(),
  reason: z.string(),
  at: z.number(),
  effect: z.record(z.string(), z.string()),
});

/**
 * The Slack outbox: the effects a state change owes Slack, recorded in the state Redis in the same MULTI as the
 * change itself, then delivered by a `Deliverer`. State first: a Slack outage of any length delays messages, it
 * never loses a state change, and a retried job re-owes only what it owes (owing is idempotent).
 *
 * Keys, all under `<KEY_PREFIX>:outbox`:
 * - `:fx:<id>` hash — one owed effect; `<id>` is `card:<incidentId>`, `post:<key>` or `redraw:<key>`. Fields: kind,
 *   key, incident, channel, lane, message (JSON), gen (bumped by each owe; coalesced effects finish only when it
 *   did not move), owedAt (ms), attempts, failures, uncertain (the last call may have reached Slack), lastError,
 *   lease + leaseUntil (the claim in progress).
 * - `:due` sorted set — what a deliverer may claim, scored by when (ms): card and redraw ids, and `lane:<lane>` for
 *   posts. A claimed member is scored at its lease's end (a dead deliverer's claim falls due again by itself); one
 *   waiting for a ts it needs (a reply for its thread's card, a redraw for its post) is scored 9e15.
 * - `:lane:<lane>` list — the posts of one thread (`t:<incidentId>`) or of one channel's top level (`c:<channel>`),
 *   in the order they were owed; only the head is delivered, so a thread reads in order.
 * - `:ts:<key>` string — JSON `{channel, ts}` of a delivered message (`card:<incidentId>` for the card). Kept
 *   without expiry: it is what makes a post happen once.
 * - `:owed:<kind>` sorted set — owed effect ids by owedAt, for the backlog gauges.
 * - `:gate:<method>:<channel>` string — a Retry-After in force until (ms), with that TTL.
 * - `:bucket:<method>:<channel|*>` hash — token bucket {tokens, at} pacing one method per channel or workspace.
 * - `:dead` list — the last 1,000 dead letters (JSON).
 * - `:wake` list — pushed on each new effect; idle deliverers block on it.
 */
export class Outbox {
  /** The key prefix every outbox key starts with. */
  readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    keyPrefix: string,
  ) {
    this.prefix = `${keyPrefix}:outbox`;
  }

  /**
   * Adds `effect` to the caller's MULTI, so it commits together with the state change that owes it. Idempotent: a
   * post already delivered or pending is not owed again; a card or redraw pending is marked dirty (delivered once,
   * from the latest state). The MULTI's reply for this command is 1 (owed), 0 (already owed) or -1 (a redraw of a
   * message never owed: nothing to do).
   */
  owe(multi: ChainableCommander, effect: Effect): ChainableCommander {
    const e = EffectSchema.parse(effect);
    const args = { key: '', lane: '', incident: '', channel: '', message: '' };
    if (e.kind === 'card') {
      args.key = e.incidentId;
    } else if (e.kind === 'redraw') {
      args.key = e.key;
    } else {
      args.key = e.key;
      if ('incidentId' in e) {
        args.incident = e.incidentId;
        args.lane = `t:${e.incidentId}`;
      } else {
        args.channel = e.channel;
        args.lane = `c:${e.channel}`;
      }
      if (e.message) args.message = JSON.stringify(e.message);
    }
    return multi.eval(OWE, 0, this.prefix, e.kind, args.key, args.lane, args.incident, args.channel, args.message);
  }

  /** Owes one effect on its own (when there is no state change to commit with it); resolves with `owe`'s reply. */
  async oweNow(effect: Effect): Promise<number> {
    const res = await this.owe(this.redis.multi(), effect).exec();
    const [err, value] = res?.[0] ?? [new Error('outbox: MULTI aborted'), undefined];
    if (err) throw err;
    return Number(value);
  }

  /** Where the message delivered under `key` is, once it is (`cardKey(id)` for an incident's card). */
  async ts(key: string): Promise<SentMessage | undefined> {
    const raw = await this.redis.get(`${this.prefix}:ts:${key}`);
    return raw ? SentMessageSchema.parse(JSON.parse(raw)) : undefined;
  }

  /** The incident's card (its thread root), once delivered. */
  cardTs(incidentId: string): Promise<SentMessage | undefined> {
    return this.ts(cardKey(incidentId));
  }

  /** Effects owed, by kind, with the oldest one's age: the `/metrics` backlog gauges. */
  async backlog(): Promise<Backlog[]> {
    const tx = this.redis.multi().time();
    for (const kind of EFFECT_KINDS) {
      tx.zcard(`${this.prefix}:owed:${kind}`).zrange(`${this.prefix}:owed:${kind}`, '0', '0', 'WITHSCORES');
    }
    const res = (await tx.exec()) ?? [];
    const time = res[0]?.[1] as [string, string] | undefined;
    const now = time ? Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000) : Date.now();
    return EFFECT_KINDS.map((kind, i) => {
      const count = Number(res[1 + i * 2]?.[1] ?? 0);
      const oldest = res[2 + i * 2]?.[1] as string[] | undefined;
      const owedAt = oldest?.[1] === undefined ? now : Number(oldest[1]);
      return { kind, count, oldestAgeSeconds: count > 0 ? Math.max(0, (now - owedAt) / 1000) : 0 };
    });
  }

  /** How many effects are owed and not yet delivered (all kinds). */
  async pending(): Promise<number> {
    const tx = this.redis.multi();
    for (const kind of EFFECT_KINDS) tx.zcard(`${this.prefix}:owed:${kind}`);
    const res = (await tx.exec()) ?? [];
    return res.reduce((n, [, v]) => n + Number(v ?? 0), 0);
  }

  /** Dead letters kept for an operator, newest first. */
  async deadLetters(limit = 100): Promise<DeadLetter[]> {
    const raw = await this.redis.lrange(`${this.prefix}:dead`, 0, Math.max(0, limit - 1));
    return raw.map((r) => DeadLetterSchema.parse(JSON.parse(r)));
  }

  /** How many dead letters are kept (at most 1,000). */
  deadCount(): Promise<number> {
    return this.redis.llen(`${this.prefix}:dead`);
  }
}

/** Gauges for `Metrics.render`: backlog and oldest age by kind, dead letters kept. */
export async function outboxGauges(
  outbox: Outbox,
): Promise<Array<{ name: string; help: string; values: Array<{ labels: Record<string, string>; value: number }> }>> {
  const [backlog, dead] = await Promise.all([outbox.backlog(), outbox.deadCount()]);
  return [
    {
      name: 'rib_slack_outbox_backlog',
      help: 'Slack effects owed and not yet delivered, by kind',
      values: backlog.map((b) => ({ labels: { kind: b.kind }, value: b.count })),
    },
    {
      name: 'rib_slack_outbox_oldest_age_seconds',
      help: 'Age of the oldest owed Slack effect, by kind (0 when none)',
      values: backlog.map((b) => ({ labels: { kind: b.kind }, value: Math.round(b.oldestAgeSeconds) })),
    },
    { name: 'rib_slack_outbox_dead_letters', help: 'Dead letters kept', values: [{ labels: {}, value: dead }] },
  ];
}

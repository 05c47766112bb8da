import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { SlackMessage } from '../../blocks/types.js';
import { cardKey, type SentMessage } from '../../incidents/owed-effects.js';
import { redactText } from '../../kernel/redact.js';
import { findPosted, OUTBOX_EVENT_TYPE } from './find-posted.js';
import type { Budget, Claim, OutboxLedger } from './outbox-ledger.js';
import { type CallFailure, classifySlackError } from './slack-errors.js';

/** The incident's card as it stands now, or undefined when the incident is gone (the card effect is dropped). */
export type RenderCard = (incidentId: string) => Promise<{ channel: string; message: SlackMessage } | undefined>;
/** The message under `key` as it stands now (redraws, posts owed without a message); undefined drops the effect. */
export type RenderMessage = (key: string) => Promise<SlackMessage | undefined>;

/** The Web API methods the outbox paces. */
export type PacedMethod = 'chat.postMessage' | 'chat.update' | 'conversations.replies' | 'conversations.history';
/** How one delivery attempt ended, as counted in the deliveries metric. */
export type DeliveryResult = 'ok' | 'reconciled' | 'rate_limited' | 'retry' | 'dead' | 'dropped' | 'stale' | 'paced';

/** What `deliverClaim` needs from its deliverer. */
export interface DeliveryContext {
  ledger: OutboxLedger;
  client: WebClient;
  renderCard: RenderCard;
  renderMessage: RenderMessage;
  budgets: Record<PacedMethod, Budget>;
  backoff: { baseMs: number; maxMs: number };
  maxAgeMs: number;
  callTimeoutMs: number;
  logger: Logger;
  report(method: string, result: DeliveryResult): void;
  /** Called after each Slack call: whether it failed in a retryable way (for outage-level logging). */
  callOutcome(failed: boolean, detail: Record<string, unknown>): void;
  /** Logs a dead letter: at error the first time for (method, code, channel) in 10 min, then at warn. */
  deadLetter(detail: { method: string; code: string; channel: string; id: string; reason: string }): void;
  /** Logs once per process that the history scopes are missing, so posts after a lost response may repeat. */
  cannotLook(code: string): void;
  /** Called once a message is first posted (and recorded) under its key (`cardKey(id)` for a card). */
  posted(key: string, sent: SentMessage): Promise<void>;
}

type Plan =
  | { method: 'chat.postMessage'; channel: string; threadTs?: string; message: SlackMessage }
  | { method: 'chat.update'; channel: string; ts: string; message: SlackMessage }
  | { drop: string }
  | { wait: string };

// A call that started with less lease left than this could finish after another deliverer took the effect over.
const LEASE_MARGIN_MS = 2_000;

/** A last line of defence: connection errors and INFO output can echo URLs with passwords. */
function clean(message: SlackMessage): SlackMessage {
  return JSON.parse(redactText(JSON.stringify(message))) as SlackMessage;
}

async function plan(ctx: DeliveryContext, c: Claim): Promise<Plan> {
  if (c.kind === 'card') {
    const card = await ctx.renderCard(c.incidentId ?? '');
    if (!card) return { drop: 'incident gone' };
    if (c.own) return { method: 'chat.update', channel: c.own.channel, ts: c.own.ts, message: card.message };
    return { method: 'chat.postMessage', channel: card.channel, message: card.message };
  }
  if (c.kind === 'redraw') {
    if (!c.dep) return { wait: 'post not delivered yet' };
    const message = await ctx.renderMessage(c.key);
    if (!message) return { drop: 'nothing to redraw' };
    return { method: 'chat.update', channel: c.dep.channel, ts: c.dep.ts, message };
  }
  const channel = c.channel ?? c.dep?.channel;
  if (!channel || (c.incidentId && !c.dep)) return { wait: 'thread not posted yet' };
  const message = c.message ?? (await ctx.renderMessage(c.key));
  if (!message) return { drop: 'nothing to post' };
  return { method: 'chat.postMessage', channel, message, ...(c.incidentId && c.dep ? { threadTs: c.dep.ts } : {}) };
}

function backoffMs(ctx: DeliveryContext, failures: number): number {
  const d = Math.min(ctx.backoff.maxMs, ctx.backoff.baseMs * 2 ** Math.max(0, failures - 1));
  return d / 2 + (Math.random() * d) / 2;
}

/** A retryable failure: back off, or give up once the effect is older than `maxAgeMs`. */
async function retryLater(ctx: DeliveryContext, c: Claim, method: string, channel: string, f: CallFailure) {
  const uncertain = f.kind === 'retry' ? f.uncertain : false;
  const age = Date.now() - c.owedAt;
  if (age > ctx.maxAgeMs) {
    const reason = `${method} failed for ${Math.round(age / 60_000)} min (${c.attempts} attempts), last: ${f.code}`;
    if (await ctx.ledger.dead(c, reason)) ctx.deadLetter({ method, code: f.code, channel, id: c.id, reason });
    ctx.report(method, 'dead');
    return;
  }
  const delayMs = backoffMs(ctx, c.failures + 1);
  ctx.logger.debug({ id: c.id, method, channel, code: f.code, failures: c.failures + 1, delayMs }, 'outbox: retry');
  await ctx.ledger.release(c, {
    delayMs,
    failure: true,
    error: `${method} ${f.code}`,
    ...(method === 'chat.postMessage' ? { uncertain } : {}),
  });
  ctx.report(method, 'retry');
}

async function failed(ctx: DeliveryContext, c: Claim, method: string, channel: string, err: unknown) {
  const f = classifySlackError(err);
  ctx.callOutcome(f.kind === 'retry', { method, channel, code: f.code });
  if (f.kind === 'rate_limited') {
    ctx.logger.info({ id: c.id, method, channel, retryAfterMs: f.retryAfterMs }, 'outbox: rate limited by Slack');
    await ctx.ledger.release(c, {
      delayMs: f.retryAfterMs,
      gate: { method, channel, ms: f.retryAfterMs },
      // A 429 was not posted; any earlier doubt was settled by looking before this call.
      ...(method === 'chat.postMessage' ? { uncertain: false } : {}),
    });
    ctx.report(method, 'rate_limited');
  } else if (f.kind === 'retry') {
    await retryLater(ctx, c, method, channel, f);
  } else {
    const reason = `${method} ${f.code}`;
    if (await ctx.ledger.dead(c, reason)) ctx.deadLetter({ method, code: f.code, channel, id: c.id, reason });
    ctx.report(method, 'dead');
  }
}

/** Takes one call from `method`'s budget; on a wait, gives the effect back for that long and says so. */
async function paced(ctx: DeliveryContext, c: Claim, method: PacedMethod, channel: string): Promise<boolean> {
  const wait = await ctx.ledger.acquire(method, channel, ctx.budgets[method]);
  if (wait <= 0) return false;
  await ctx.ledger.release(c, { delayMs: wait });
  ctx.report(method, 'paced');
  return true;
}

/**
 * After an attempt whose outcome is unknown, looks in Slack for the post before posting again. Returns 'found'
 * (recorded), 'post' (not there, go ahead) or 'later' (the effect was given back).
 */
async function look(ctx: DeliveryContext, c: Claim, channel: string, threadTs: string | undefined) {
  const method = threadTs ? 'conversations.replies' : 'conversations.history';
  if (await paced(ctx, c, method, channel)) return 'later';
  let ts: string | undefined;
  try {
    ts = await findPosted(ctx.client, { channel, key: c.key, ...(threadTs ? { threadTs } : {}) });
  } catch (err) {
    const f = classifySlackError(err);
    if (f.kind !== 'permanent') {
      await failed(ctx, c, method, channel, err);
      return 'later';
    }
    ctx.cannotLook(f.code);
    return 'post';
  }
  if (!ts) return 'post';
  if (await ctx.ledger.sent(c, { channel, ts })) {
    ctx.report('chat.postMessage', 'reconciled');
    await announce(ctx, c, { channel, ts });
  } else ctx.report('chat.postMessage', 'stale');
  return 'found';
}

/** Tells the deliverer's owner where a first post landed (the card's thread, a proposal's message). */
async function announce(ctx: DeliveryContext, c: Claim, sent: SentMessage): Promise<void> {
  if (c.kind === 'card' && c.incidentId) await ctx.posted(cardKey(c.incidentId), sent);
  else if (c.kind === 'post') await ctx.posted(c.key, sent);
}

/** Delivers one claimed effect: render from state, pace, look if needed, call Slack, record the outcome. */
export async function deliverClaim(ctx: DeliveryContext, c: Claim): Promise<void> {
  let p: Plan;
  try {
    p = await plan(ctx, c);
  } catch (err) {
    ctx.logger.warn({ id: c.id, err }, 'outbox: rendering failed, will retry');
    await ctx.ledger.release(c, { delayMs: backoffMs(ctx, c.failures + 1), failure: true, error: 'render failed' });
    return;
  }
  if ('wait' in p) {
    await ctx.ledger.release(c, { delayMs: 1_000 });
    return;
  }
  if ('drop' in p) {
    await ctx.ledger.drop(c, p.drop);
    ctx.logger.debug({ id: c.id, reason: p.drop }, 'outbox: effect dropped');
    ctx.report(c.kind, 'dropped');
    return;
  }
  if (p.method === 'chat.postMessage' && c.uncertain && (await look(ctx, c, p.channel, p.threadTs)) !== 'post') return;
  if (await paced(ctx, c, p.method, p.channel)) return;
  if (c.leaseMs - (performance.now() - c.claimedAt) < ctx.callTimeoutMs + LEASE_MARGIN_MS) {
    await ctx.ledger.release(c, { delayMs: 0 });
    return;
  }
  const message = clean(p.message);
  let postedTs: string | undefined;
  let postedChannel: string | undefined;
  try {
    if (p.method === 'chat.postMessage') {
      const res = await ctx.client.chat.postMessage({
        channel: p.channel,
        text: message.text,
        blocks: message.blocks,
        unfurl_links: false,
        metadata: { event_type: OUTBOX_EVENT_TYPE, event_payload: { key: c.key } },
        ...(p.threadTs ? { thread_ts: p.threadTs } : {}),
      });
      postedTs = String(res.ts);
      postedChannel = res.channel ?? p.channel;
    } else {
      await ctx.client.chat.update({ channel: p.channel, ts: p.ts, text: message.text, blocks: message.blocks });
    }
  } catch (err) {
    await failed(ctx, c, p.method, p.channel, err);
    return;
  }
  ctx.callOutcome(false, {});
  // If recording fails (state Redis down), the lease runs out and the next claim finds the post by its metadata.
  const recorded =
    postedTs !== undefined
      ? await ctx.ledger.sent(c, { channel: postedChannel ?? p.channel, ts: postedTs })
      : await ctx.ledger.updated(c);
  if (!recorded) ctx.logger.warn({ id: c.id, method: p.method }, 'outbox: lease lost during the call');
  ctx.report(p.method, recorded ? 'ok' : 'stale');
  if (recorded && postedTs !== undefined) await announce(ctx, c, { channel: postedChannel ?? p.channel, ts: postedTs });
}

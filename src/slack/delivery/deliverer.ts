import type { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  type DeliveryContext,
  type DeliveryResult,
  deliverClaim,
  type PacedMethod,
  type RenderCard,
  type RenderMessage,
} from './deliver-claim.js';
import type { Outbox } from './outbox.js';
import { type Budget, type Claim, OutboxLedger } from './outbox-ledger.js';

export type { DeliveryResult, PacedMethod, RenderCard, RenderMessage } from './deliver-claim.js';

/**
 * Slack's published limits: `chat.postMessage` about 1 per second per channel with short bursts; `chat.update` and
 * the history reads Tier 3 (~50 per minute for the workspace).
 */
export const DEFAULT_BUDGETS: Record<PacedMethod, Budget> = {
  'chat.postMessage': { per: 'channel', rate: 1, burst: 3 },
  'chat.update': { per: 'workspace', rate: 50 / 60, burst: 5 },
  'conversations.replies': { per: 'workspace', rate: 50 / 60, burst: 10 },
  'conversations.history': { per: 'workspace', rate: 50 / 60, burst: 10 },
};

export interface DelivererOptions {
  /** The state Redis (the deliverer opens one more connection from it for its blocking wait). */
  redis: Redis;
  outbox: Outbox;
  /** From `createDeliveryClient`: no retries of its own, 429s rejected instead of pausing every call. */
  client: WebClient;
  renderCard: RenderCard;
  /** For redraws and posts owed without a message; without it those are dropped. */
  renderMessage?: RenderMessage;
  logger: Logger;
  /** Effects in flight at once (default 8). */
  concurrency?: number;
  /** How long a claim is ours (default 15 s); a dead deliverer's effects are picked up after it. */
  leaseMs?: number;
  /** The client's request timeout (default 10 s): no call starts with less lease left than this. */
  callTimeoutMs?: number;
  /** Retryable failures are retried until the effect is this old, then dead-lettered (default 6 h). */
  maxAgeMs?: number;
  /** Exponential backoff between retries (default 1 s doubling to 60 s, with jitter). */
  backoff?: { baseMs?: number; maxMs?: number };
  budgets?: Partial<Record<PacedMethod, Budget>>;
  /** A card or redraw owed again while being delivered waits this long before its next call (default 1 s). */
  coalesceMs?: number;
  /** Longest idle wait between looks at the outbox (default 1 s); new effects wake a deliverer at once. */
  pollMs?: number;
  /**
   * Called once a message is first posted under `key` (`card:<incidentId>` for a card), e.g. to index the incident
   * by its thread or record a proposal message's ts.
   */
  onPosted?: (key: string, sent: { channel: string; ts: string }) => Promise<void>;
  /** Called for every attempt's outcome, e.g. to count `rib_slack_deliveries_total{method,result}`. */
  onDelivery?: (d: { method: string; result: DeliveryResult }) => void;
}

const DEAD_LOG_QUIET_MS = 10 * 60_000;

/**
 * Makes Slack match the outbox: claims due effects under a lease (two deliverers on one state Redis never deliver
 * the same effect twice), paces each Slack method per channel or workspace in the state Redis (shared by all
 * replicas), honours `Retry-After` for that method and channel only, retries 5xx and network errors with capped
 * backoff, and dead-letters permanent errors.
 */
export class Deliverer {
  private readonly ledger: OutboxLedger;
  private readonly ctx: DeliveryContext;
  private readonly counts = new Map<string, number>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly deadLogged = new Map<string, number>();
  private readonly concurrency: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private blocker: Redis | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;
  private wakeUp: (() => void) | undefined;
  private kicked = false;
  private failingCalls = 0;
  private lookWarned = false;
  private redisDown = false;

  constructor(private readonly o: DelivererOptions) {
    this.ledger = new OutboxLedger(o.redis, o.outbox.prefix, o.coalesceMs ?? 1_000);
    this.concurrency = o.concurrency ?? 8;
    this.leaseMs = o.leaseMs ?? 15_000;
    this.pollMs = o.pollMs ?? 1_000;
    const logger = o.logger;
    this.ctx = {
      ledger: this.ledger,
      client: o.client,
      renderCard: o.renderCard,
      renderMessage: o.renderMessage ?? (async () => undefined),
      budgets: { ...DEFAULT_BUDGETS, ...o.budgets },
      backoff: { baseMs: o.backoff?.baseMs ?? 1_000, maxMs: o.backoff?.maxMs ?? 60_000 },
      maxAgeMs: o.maxAgeMs ?? 6 * 3_600_000,
      callTimeoutMs: o.callTimeoutMs ?? 10_000,
      logger,
      report: (method, result) => {
        const k = `${method}\u0000${result}`;
        this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
        o.onDelivery?.({ method, result });
      },
      callOutcome: (failed, detail) => {
        if (failed && this.failingCalls++ === 0) {
          logger.warn(detail, 'outbox: Slack calls failing; owed effects wait and are retried with backoff');
        } else if (!failed && this.failingCalls > 0) {
          logger.info({ failedCalls: this.failingCalls }, 'outbox: Slack calls succeed again');
          this.failingCalls = 0;
        }
      },
      deadLetter: (d) => {
        const k = `${d.method}\u0000${d.code}\u0000${d.channel}`;
        const last = this.deadLogged.get(k);
        const now = Date.now();
        if (last === undefined || now - last > DEAD_LOG_QUIET_MS) {
          this.deadLogged.set(k, now);
          logger.error(d, 'outbox: gave up on a Slack effect; dead-lettered');
        } else {
          logger.warn(d, 'outbox: dead-lettered (same failure as before)');
        }
      },
      posted: async (key, sent) => {
        try {
          await o.onPosted?.(key, sent);
        } catch (err) {
          logger.warn({ err, key }, 'outbox: could not record where a post landed');
        }
      },
      cannotLook: (code) => {
        if (this.lookWarned) return;
        this.lookWarned = true;
        logger.warn(
          { code },
          'outbox: cannot read channel history (add the channels:history scope); a post whose response was lost may repeat',
        );
      },
    };
  }

  /** Starts delivering in the background; `stop()` ends it. */
  start(): void {
    if (this.running) return;
    this.stopping = false;
    this.blocker = this.o.redis.duplicate();
    this.blocker.on('error', () => {});
    const listening = this.listen(this.blocker);
    this.running = Promise.all([this.loop(), listening]).then(() => undefined);
  }

  /** Stops claiming, lets calls in flight finish and record, then closes the extra connection. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.stopping = true;
    this.kick();
    this.blocker?.disconnect();
    // A claim stuck on an unreachable state Redis must not hold shutdown; its lease simply runs out.
    const bound = this.ctx.callTimeoutMs + 1_000;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, bound);
    });
    await Promise.race([Promise.all([this.running, Promise.allSettled([...this.inflight])]), deadline]);
    clearTimeout(timer);
    this.running = undefined;
  }

  /** Attempts so far by method and result (this process only), for `/metrics` and tests. */
  deliveries(): Array<{ method: string; result: DeliveryResult; count: number }> {
    return [...this.counts].map(([k, count]) => {
      const [method = '', result = 'ok'] = k.split('\u0000');
      return { method, result: result as DeliveryResult, count };
    });
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      const free = this.concurrency - this.inflight.size;
      let wait = this.pollMs;
      if (free > 0) {
        let claims: Claim[];
        try {
          claims = await this.ledger.claim(free, this.leaseMs);
          const next = claims.length === free ? 0 : await this.ledger.nextDueIn();
          if (next !== undefined) wait = Math.min(wait, next);
          if (this.redisDown) this.o.logger.info('outbox: state Redis answers again; delivering');
          this.redisDown = false;
        } catch (err) {
          if (!this.redisDown) this.o.logger.warn({ err }, 'outbox: state Redis unavailable; delivery waits');
          this.redisDown = true;
          claims = [];
        }
        for (const c of claims) this.track(c);
      }
      if (wait > 0 && !this.stopping) await this.idle(wait);
    }
  }

  private track(c: Claim): void {
    const p: Promise<void> = deliverClaim(this.ctx, c)
      .catch((err: unknown) => {
        // Only the state Redis can fail here (Slack errors are handled); the lease runs out and it is retried.
        this.o.logger.warn({ err, id: c.id }, 'outbox: could not record a delivery outcome');
      })
      .finally(() => {
        this.inflight.delete(p);
        this.kick();
      });
    this.inflight.add(p);
  }

  /** Blocks on the wake list so a new effect is delivered at once rather than at the next poll. */
  private async listen(blocker: Redis): Promise<void> {
    const key = `${this.o.outbox.prefix}:wake`;
    while (!this.stopping) {
      try {
        if (await blocker.blpop(key, this.pollMs / 1000)) this.kick();
      } catch {
        if (!this.stopping) await new Promise((r) => setTimeout(r, this.pollMs));
      }
    }
  }

  private kick(): void {
    const w = this.wakeUp;
    this.wakeUp = undefined;
    if (w) w();
    else this.kicked = true;
  }

  private idle(ms: number): Promise<void> {
    if (this.kicked) {
      this.kicked = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.wakeUp === done) this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }
}

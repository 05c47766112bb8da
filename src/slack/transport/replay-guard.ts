import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import { errorMessage } from '../../kernel/errors.js';
import type { Logger } from '../../kernel/logger.js';
import { withTimeout } from '../../kernel/timeout.js';

/**
 * How long a request is remembered: Bolt accepts a signature whose timestamp is up to 5 minutes old and the edge
 * (http/edge-server's MAX_FUTURE_SKEW_SECONDS) one up to 5 minutes ahead, so one signed request can be presented
 * for 10 minutes at most. (A test holds the two together; transport does not import http.)
 */
export const REPLAY_WINDOW_SECONDS = 600;

/** The whole replay check (including a wait for a reconnecting state Redis) fits in Slack's 3 s with room. */
export const REPLAY_CHECK_DEADLINE_MS = 1500;

/** What a person is told when a command or click arrives while the state Redis cannot be reached. */
export const STATE_STORE_UNAVAILABLE =
  "The bot's state store is unavailable right now, so nothing was done. Try again in a moment.";

/** The request property (from the receiver's customPropertiesExtractor) holding `X-Slack-Signature`. */
export const SIGNATURE_PROPERTY = 'requestSignature';

/** Socket Mode's counterpart: the property holding the request's `envelope_id`. */
export const ENVELOPE_PROPERTY = 'socketEnvelopeId';

export interface ReplayGuardDeps {
  /** `first(key, ttl)`: true the first time a key is seen within ttl (SeenOnce on the state Redis). */
  seen: { first(key: string, ttlSeconds: number): Promise<boolean> };
  /** Tells the clicker privately when a click could not be checked (a click's ack carries no message). */
  notifier: { ephemeral(channel: string, user: string, text: string, threadTs?: string): Promise<void> };
  /** Counts `rib_slack_requests_ignored_total{reason}` (replay, retry, unavailable). */
  metrics: { inc(name: string, labels: Record<string, string>): void };
  logger: Logger;
}

type Body = Record<string, unknown> & {
  type?: unknown;
  event_id?: unknown;
  command?: unknown;
  user?: { id?: string };
  channel?: { id?: string };
  container?: { channel_id?: string; thread_ts?: string };
};

/**
 * The key a request is remembered by. An Events API delivery by its `event_id`: Slack's own retries
 * (`X-Slack-Retry-Num` over HTTP, a new envelope with `retry_attempt` in Socket Mode) keep the event id. Anything
 * else over HTTP by its signature, which covers the timestamp and the whole body: a replay of a captured request
 * carries the same one, and a new request (even an identical command typed again) a new one. Only verified requests
 * get here (Bolt checks the signature first), so nobody can mark a key they could not have signed. In Socket Mode
 * (an authenticated socket the bot opened; nothing to replay) by the envelope id, so an envelope delivered again
 * after a reconnect is answered once.
 */
function replayKey(body: Body, signature: unknown, envelopeId: unknown): string | undefined {
  if (body.type === 'event_callback' && typeof body.event_id === 'string') return `event:${body.event_id}`;
  if (typeof signature === 'string' && signature.length > 0) return `sig:${signature}`;
  if (typeof envelopeId === 'string' && envelopeId.length > 0) return `envelope:${envelopeId}`;
  return undefined;
}

type Ack = (response?: unknown) => Promise<void>;

/**
 * Bolt global middleware: every request (on `/slack/events`, or an envelope on the socket) seen before within the
 * replay window is acknowledged and dropped before any listener runs, so a replayed `/incident note` adds no second
 * note and a replayed click decides nothing twice. When the state Redis cannot say whether it was seen, the request is refused the same
 * way (it could not be served anyway) and the person is told so privately instead of waiting for Slack's timeout.
 */
export function replayGuard(d: ReplayGuardDeps): Middleware<AnyMiddlewareArgs> {
  const ignored = (reason: string) => d.metrics.inc('rib_slack_requests_ignored_total', { reason });
  return async (args) => {
    const body = args.body as Body;
    const ack = 'ack' in args && typeof args.ack === 'function' ? (args.ack as Ack) : undefined;
    const key = replayKey(body, args.context[SIGNATURE_PROPERTY], args.context[ENVELOPE_PROPERTY]);
    if (!key) {
      await args.next();
      return;
    }
    let first: boolean;
    try {
      first = await withTimeout(d.seen.first(key, REPLAY_WINDOW_SECONDS), REPLAY_CHECK_DEADLINE_MS, 'replay check');
    } catch (err) {
      ignored('unavailable');
      d.logger.warn(
        { err: errorMessage(err), type: body.type ?? body.command },
        'slack request refused: state store unavailable',
      );
      await answerUnavailable(body, ack, d);
      return;
    }
    if (!first) {
      const retry = (args.context.retryNum ?? 0) > 0;
      ignored(retry ? 'retry' : 'replay');
      d.logger.info(
        { key: key.slice(0, 16), type: body.type ?? body.command, retryNum: args.context.retryNum },
        retry ? 'slack retry of a delivered event ignored' : 'replayed slack request ignored',
      );
      if (ack) await ack();
      return;
    }
    await args.next();
  };
}

async function answerUnavailable(body: Body, ack: Ack | undefined, d: ReplayGuardDeps): Promise<void> {
  if (typeof body.command === 'string') {
    await ack?.({ response_type: 'ephemeral', text: STATE_STORE_UNAVAILABLE });
    return;
  }
  await ack?.();
  const user = body.user?.id;
  const channel = body.channel?.id ?? body.container?.channel_id;
  if (body.type !== 'block_actions' || !user || !channel) return;
  // Best effort: Slack itself may be what is failing.
  await d.notifier
    .ephemeral(channel, user, STATE_STORE_UNAVAILABLE, body.container?.thread_ts)
    .catch((err: unknown) => {
      d.logger.warn({ err: errorMessage(err) }, 'could not tell the clicker the state store is unavailable');
    });
}

import type { SocketModeReceiver } from '@slack/bolt';
import { errorMessage } from '../../kernel/errors.js';
import type { Logger } from '../../kernel/logger.js';
import type { AckKind } from '../../kernel/metrics.js';

/** How long a `disconnect` waits for acks still owed: within Slack's 3 s, the envelopes' own deadline. */
export const DRAIN_MAX_MS = 2500;

/** Waits between failed reconnects: the first at once, then doubling to a ceiling. */
export const RECONNECT_BACKOFF_MS = { first: 500, max: 30_000 };

type SocketClient = SocketModeReceiver['client'];
type MessageHandler = (data: unknown, isBinary: boolean) => unknown;

/** Hears, for every envelope, how long its ack took from its arrival on the socket, and what it was. */
export type SocketAnswered = (kind: AckKind, seconds: number) => void;

interface Peeked {
  type?: unknown;
  envelope_id?: unknown;
  reason?: unknown;
  payload?: { type?: unknown };
}

/** What an envelope carried, in the ack histogram's terms (the same kinds as over HTTP). */
function envelopeKind(msg: Peeked): AckKind {
  if (msg.type === 'slash_commands') return 'slash';
  if (msg.type === 'events_api') return 'event';
  if (msg.type !== 'interactive') return 'other';
  switch (msg.payload?.type) {
    case 'block_actions':
      return 'click';
    case 'view_submission':
      return 'view';
    case 'shortcut':
    case 'message_action':
      return 'shortcut';
    default:
      return 'other';
  }
}

function peek(data: unknown, isBinary: boolean): Peeked {
  if (isBinary) return {};
  try {
    const text = typeof data === 'string' ? data : new TextDecoder().decode(data as ArrayBuffer);
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' ? parsed : {};
  } catch {
    return {};
  }
}

/**
 * Lets a socket Slack is rotating finish answering before it closes. @slack/socket-mode 3.1 closes the socket the
 * moment Slack sends `disconnect` (refresh_requested, warning, link_disabled), so an envelope a listener was still
 * answering loses its ack: the command's reply is gone and Slack shows the user a failure (or retries an event).
 * Slack keeps that socket open a while after `disconnect`, takes acks on it and puts nothing new on it. So the
 * client's own message handler is wrapped: envelopes received are counted until their ack goes out (the client's
 * `outgoing_message`), and a `disconnect` is handed on once none is owed, or after DRAIN_MAX_MS. The same count
 * times each ack for the ack histogram, as the edge server does over HTTP.
 */
function drainBeforeDisconnect(client: SocketClient, logger: Logger, maxMs: number, answered?: SocketAnswered): void {
  const handlers = client.listeners('ws_message') as MessageHandler[];
  const original = handlers[0];
  if (handlers.length !== 1 || !original) {
    // The client changed shape (a new @slack/socket-mode): keep its own behaviour rather than guess.
    logger.warn({ handlers: handlers.length }, 'socket mode: cannot wrap the message handler; no drain on disconnect');
    return;
  }
  /** Envelopes received and not yet acked: when each arrived and what it was. */
  const owed = new Map<string, { arrived: number; kind: AckKind }>();
  let drained: (() => void) | undefined;
  const check = () => {
    if (owed.size === 0) drained?.();
  };
  client.off('ws_message', original);
  client.on('outgoing_message', (m: { envelope_id?: unknown }) => {
    const envelope = typeof m.envelope_id === 'string' ? owed.get(m.envelope_id) : undefined;
    if (envelope) {
      owed.delete(m.envelope_id as string);
      answered?.(envelope.kind, (performance.now() - envelope.arrived) / 1000);
    }
    // The client emits this just before it writes the ack: close only after the write, or the ack is dropped.
    setImmediate(check);
  });
  // A socket that closed on its own takes its envelopes with it: their acks can no longer be sent.
  client.on('close', () => {
    owed.clear();
    check();
  });
  client.on('ws_message', (data: unknown, isBinary: boolean) => {
    const msg = peek(data, isBinary);
    if (msg.type !== 'disconnect') {
      if (typeof msg.envelope_id === 'string') {
        owed.set(msg.envelope_id, { arrived: performance.now(), kind: envelopeKind(msg) });
      }
      return original.call(client, data, isBinary);
    }
    logger.info({ reason: msg.reason, owed: owed.size }, 'slack asked to reconnect (socket mode)');
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        logger.warn({ owed: owed.size }, 'socket mode: reconnecting with acks still owed');
        go();
      }, maxMs);
      const go = () => {
        clearTimeout(timer);
        drained = undefined;
        resolve(original.call(client, data, isBinary) as undefined);
      };
      drained = go;
      check();
    });
  });
}

/**
 * The Socket Mode session: opens the socket, keeps it open, closes it on stop. The receiver is built with
 * `autoReconnectEnabled: false` because @slack/socket-mode 3.1 waits 5 s (its ping timeout) before every reconnect,
 * during which Slack has no socket to deliver to and a slash command fails (`dispatch_failed`), and a reconnect
 * that fails to get a URL ends its loop for good. Here a closed socket (Slack's `disconnect`, a ping timeout, the
 * network) is replaced at once, with a fresh `apps.connections.open`; failures back off from 0.5 s to 30 s and
 * never stop trying while the bot runs.
 */
export class SocketSession {
  private stopping = false;
  private reconnecting = false;
  private backoffTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: SocketClient,
    private readonly logger: Logger,
    o: { drainMs?: number; onAnswered?: SocketAnswered | undefined } = {},
  ) {
    drainBeforeDisconnect(client, logger, o.drainMs ?? DRAIN_MAX_MS, o.onAnswered);
    client.on('disconnected', () => {
      if (!this.stopping) void this.reconnect();
    });
  }

  /** Opens the socket; resolves on Slack's `hello`, rejects with the client's error (e.g. `invalid_auth`). */
  start(): Promise<unknown> {
    this.stopping = false;
    return this.client.start();
  }

  /** Closes the socket and stops reconnecting. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.backoffTimer);
    await this.client.disconnect();
  }

  private async reconnect(): Promise<void> {
    if (this.reconnecting) return;
    this.reconnecting = true;
    let wait = 0;
    try {
      for (;;) {
        if (wait > 0) await new Promise<void>((resolve) => (this.backoffTimer = setTimeout(resolve, wait)));
        if (this.stopping) return;
        try {
          await this.client.start();
          this.logger.info('slack socket mode reconnected');
          return;
        } catch (err) {
          wait = Math.min(Math.max(wait * 2, RECONNECT_BACKOFF_MS.first), RECONNECT_BACKOFF_MS.max);
          this.logger.warn({ err: errorMessage(err), retryInMs: wait }, 'slack socket mode reconnect failed');
        }
      }
    } finally {
      this.reconnecting = false;
    }
  }
}

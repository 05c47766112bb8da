import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { SlackStandIn } from './slack-stand-in.js';

const APP_ID = 'A0TESTAPP';

/** What Slack puts on the socket for one request to the app. */
export interface Envelope {
  envelope_id: string;
  type: 'slash_commands' | 'interactive' | 'events_api';
  payload: Record<string, unknown>;
  accepts_response_payload: boolean;
  /** Events API only: 0 on the first attempt, then 1, 2, 3 (with the reason). */
  retry_attempt?: number;
  retry_reason?: string;
}

/** How one request ended: acked (with the ack's payload, what Slack shows for a command) or failed as Slack fails it. */
export type DeliveryResult =
  | { ok: true; payload: Record<string, unknown>; envelopeId: string; connection: number }
  /** `dispatch_failed`: no socket was open (Slack tells the user); `timeout`: no ack within 3 s on any attempt. */
  | { ok: false; error: 'dispatch_failed' | 'timeout' };

/** One request and everything that happened to it. */
export interface Delivery {
  readonly type: Envelope['type'];
  readonly payload: Record<string, unknown>;
  /** Each envelope put on a socket for it (an event is retried in a new envelope with `retry_attempt` + 1). */
  readonly attempts: Array<{ envelopeId: string; connection: number; retryAttempt: number }>;
  /** Every ack received for it, in order: more than one means it was answered twice. */
  readonly acks: Array<{ envelopeId: string; connection: number; payload: Record<string, unknown> }>;
  /** Settles once: the first ack, or the failure. */
  readonly result: Promise<DeliveryResult>;
}

/** One WebSocket connection, numbered from 1 in the order they were opened. */
export interface StandInConnection {
  id: number;
  /** Set when the stand-in sent `disconnect` on it (refresh_requested, warning, link_disabled…). */
  disconnectReason?: string;
  closed: boolean;
  /** Who closed it: the app (its close frame, or it went away) or the stand-in (grace period over, or `close()`). */
  closedBy?: 'app' | 'stand-in';
  /** Messages received that were not acks of a known envelope (for assertion messages). */
  stray: string[];
}

interface Pending {
  delivery: MutableDelivery;
  connection: number;
  timer: NodeJS.Timeout;
}

type MutableDelivery = {
  -readonly [K in keyof Delivery]: Delivery[K];
} & { acceptsResponse: boolean; settle(r: DeliveryResult): void; settled: boolean };

interface Live {
  info: StandInConnection;
  socket: WebSocket;
  /** False once `disconnect` was sent: Slack puts nothing new on a socket it asked the app to leave. */
  accepting: boolean;
}

/**
 * A local stand-in for Slack's Socket Mode on 127.0.0.1, speaking its protocol as @slack/socket-mode expects it:
 * `apps.connections.open` (answered on the Web API stand-in, checking the app-level token) hands out a fresh
 * single-use `ws://…/link/?ticket=…` URL; a connection gets `hello`; requests go out as envelopes (`slash_commands`,
 * `interactive`, `events_api`) and are settled by the ack carrying their `envelope_id` (with an optional payload,
 * the command's reply). As Slack does: an envelope not acked within 3 s fails (a command or click) or is retried in a
 * new envelope with `retry_attempt` + 1 and `retry_reason: timeout` (an event, up to 3 retries); a command or click
 * with no socket open fails at once (`dispatch_failed`), an event waits for the next connection; `disconnect()`
 * sends `disconnect` (default reason `refresh_requested`), puts nothing new on that socket, still takes acks on it
 * and closes it after a grace period if the app has not.
 */
export class SocketModeStandIn {
  readonly connections: StandInConnection[] = [];
  readonly deliveries: Delivery[] = [];
  private readonly live = new Map<number, Live>();
  private readonly tickets = new Set<string>();
  private readonly pending = new Map<string, Pending>();
  private readonly queued: MutableDelivery[] = [];
  private readonly waiters = new Set<() => void>();
  private readonly graceTimers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly server: Server,
    private readonly wss: WebSocketServer,
    private readonly base: string,
    private readonly opts: { ackTimeoutMs: number; maxRetries: number; graceMs: number },
  ) {}

  /**
   * Listens on 127.0.0.1 and answers `apps.connections.open` on `slack` for `appToken` (any other token gets
   * `invalid_auth`, as Slack answers a revoked or mistyped one).
   */
  static async start(o: {
    slack: SlackStandIn;
    appToken: string;
    /** Slack's ack deadline. */
    ackTimeoutMs?: number;
    /** How many times an unacked event is retried. */
    maxRetries?: number;
    /** How long a socket sent `disconnect` stays open for acks if the app does not close it. */
    graceMs?: number;
  }): Promise<SocketModeStandIn> {
    const server = createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain' });
      res.end('Socket Mode: connect with a WebSocket');
    });
    const wss = new WebSocketServer({ noServer: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const standIn = new SocketModeStandIn(server, wss, `ws://127.0.0.1:${port}`, {
      ackTimeoutMs: o.ackTimeoutMs ?? 3000,
      maxRetries: o.maxRetries ?? 3,
      graceMs: o.graceMs ?? 10_000,
    });
    server.on('upgrade', (req, socket, head) => standIn.upgrade(req, socket, head));
    o.slack.answer('apps.connections.open', (_args, token) =>
      token === o.appToken ? { ok: true, url: standIn.issueUrl() } : { ok: false, error: 'invalid_auth' },
    );
    return standIn;
  }

  /** Connections that got `hello` and are open. */
  openConnections(): StandInConnection[] {
    return [...this.live.values()].map((l) => l.info);
  }

  /** A slash command, from the form body Slack would POST (`slashCommandBody`); the ack's payload is the reply. */
  slashCommand(formBody: string): Delivery {
    return this.deliver('slash_commands', Object.fromEntries(new URLSearchParams(formBody)), true);
  }

  /** An interaction (`blockActionBody`'s `payload=` JSON): block_actions, view_submission, shortcuts. */
  interactive(formBody: string): Delivery {
    const payload = JSON.parse(new URLSearchParams(formBody).get('payload') ?? '{}') as Record<string, unknown>;
    return this.deliver('interactive', payload, payload.type === 'view_submission');
  }

  /** An Events API delivery (`eventCallbackBody`'s JSON). */
  event(jsonBody: string): Delivery {
    return this.deliver('events_api', JSON.parse(jsonBody) as Record<string, unknown>, false);
  }

  /**
   * Slack retrying an event although it was acked (the ack came late, or was lost on the way): the same payload in a
   * new envelope with `retry_attempt` + 1. The bot must ack it and do nothing twice.
   */
  retry(delivery: Delivery, reason = 'timeout'): void {
    const d = delivery as MutableDelivery;
    if (d.type !== 'events_api') throw new Error('Slack retries events only');
    this.send(d, reason);
  }

  /**
   * Slack rotating the socket: `disconnect` on every open connection (or the one given), nothing new put on it,
   * acks still taken until the app closes it (or the grace period ends).
   */
  disconnect(reason = 'refresh_requested', connection?: number): void {
    for (const l of this.live.values()) {
      if (connection !== undefined && l.info.id !== connection) continue;
      l.accepting = false;
      l.info.disconnectReason = reason;
      l.socket.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-stand-in' } }));
      const timer = setTimeout(() => {
        this.graceTimers.delete(timer);
        l.info.closedBy ??= 'stand-in';
        l.socket.terminate();
      }, this.opts.graceMs);
      this.graceTimers.add(timer);
    }
  }

  /** The network failing under a socket: it is cut without a close handshake (the app sees it vanish). */
  drop(connection?: number): void {
    for (const l of this.live.values()) {
      if (connection !== undefined && l.info.id !== connection) continue;
      l.info.closedBy ??= 'stand-in';
      l.socket.terminate();
    }
  }

  /** Resolves once `count` connections in all have said hello (checked now and on every change). */
  waitForConnections(count: number, timeoutMs = 30_000): Promise<void> {
    return this.waitFor(
      () => this.connections.length >= count && this.openConnections().length > 0,
      timeoutMs,
      () => `${count} connection(s); ${this.connections.length} so far, ${this.openConnections().length} open`,
    );
  }

  /** Resolves once connection `id` has closed, whoever closed it. */
  waitForClose(id: number, timeoutMs = 30_000): Promise<void> {
    return this.waitFor(
      () => this.connections[id - 1]?.closed === true,
      timeoutMs,
      () => `connection ${id} to close`,
    );
  }

  /** Resolves once every delivery has settled. */
  async settled(): Promise<DeliveryResult[]> {
    return Promise.all(this.deliveries.map((d) => d.result));
  }

  async close(): Promise<void> {
    for (const t of this.graceTimers) clearTimeout(t);
    for (const p of this.pending.values()) clearTimeout(p.timer);
    for (const l of this.live.values()) {
      l.info.closedBy ??= 'stand-in';
      l.socket.terminate();
    }
    for (const d of this.queued.splice(0)) d.settle({ ok: false, error: 'dispatch_failed' });
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private issueUrl(): string {
    const ticket = randomUUID();
    this.tickets.add(ticket);
    return `${this.base}/link/?ticket=${ticket}&app_id=${APP_ID}`;
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', this.base.replace(/^ws/, 'http'));
    const ticket = url.searchParams.get('ticket') ?? '';
    // A ticket is good for one connection, as Slack's are: reconnecting needs a fresh apps.connections.open.
    if (url.pathname !== '/link/' || !this.tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.connected(ws));
  }

  private connected(socket: WebSocket): void {
    const info: StandInConnection = { id: this.connections.length + 1, closed: false, stray: [] };
    const live: Live = { info, socket, accepting: true };
    this.connections.push(info);
    this.live.set(info.id, live);
    socket.on('message', (data) => this.received(info, String(data)));
    socket.on('close', () => {
      info.closed = true;
      info.closedBy ??= 'app';
      this.live.delete(info.id);
      this.notify();
    });
    socket.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.live.size,
        debug_info: { host: 'applink-stand-in', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: APP_ID },
      }),
    );
    // Events that waited for a socket go out now, oldest first.
    for (const d of this.queued.splice(0)) this.send(d, d.attempts.length > 0 ? 'timeout' : undefined);
    this.notify();
  }

  private received(info: StandInConnection, text: string): void {
    let msg: { envelope_id?: unknown; payload?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      info.stray.push(text);
      return;
    }
    const envelopeId = typeof msg.envelope_id === 'string' ? msg.envelope_id : undefined;
    const delivery = envelopeId ? this.deliveryOf(envelopeId) : undefined;
    if (!envelopeId || !delivery) {
      info.stray.push(text);
      return;
    }
    const payload = (msg.payload && typeof msg.payload === 'object' ? msg.payload : {}) as Record<string, unknown>;
    delivery.acks.push({ envelopeId, connection: info.id, payload });
    const p = this.pending.get(envelopeId);
    if (p) {
      clearTimeout(p.timer);
      this.pending.delete(envelopeId);
      delivery.settle({ ok: true, payload, envelopeId, connection: info.id });
    }
    this.notify();
  }

  private deliveryOf(envelopeId: string): MutableDelivery | undefined {
    return (this.deliveries as MutableDelivery[]).find((d) => d.attempts.some((a) => a.envelopeId === envelopeId));
  }

  private deliver(type: Envelope['type'], payload: Record<string, unknown>, acceptsResponse: boolean): Delivery {
    let settle!: (r: DeliveryResult) => void;
    const result = new Promise<DeliveryResult>((resolve) => {
      settle = resolve;
    });
    const d: MutableDelivery = {
      type,
      payload,
      attempts: [],
      acks: [],
      result,
      acceptsResponse,
      settled: false,
      settle: (r) => {
        if (d.settled) return;
        d.settled = true;
        settle(r);
        this.notify();
      },
    };
    this.deliveries.push(d);
    this.send(d);
    return d;
  }

  private send(d: MutableDelivery, retryReason?: string): void {
    const target = [...this.live.values()].find((l) => l.accepting);
    if (!target) {
      if (d.type === 'events_api') this.queued.push(d);
      else d.settle({ ok: false, error: 'dispatch_failed' });
      return;
    }
    const retryAttempt = d.attempts.length;
    const envelope: Envelope = {
      envelope_id: randomUUID(),
      type: d.type,
      payload: d.payload,
      accepts_response_payload: d.acceptsResponse,
      ...(d.type === 'events_api' ? { retry_attempt: retryAttempt, retry_reason: retryReason ?? '' } : {}),
    };
    d.attempts.push({ envelopeId: envelope.envelope_id, connection: target.info.id, retryAttempt });
    const timer = setTimeout(() => this.timedOut(envelope.envelope_id), this.opts.ackTimeoutMs);
    this.pending.set(envelope.envelope_id, { delivery: d, connection: target.info.id, timer });
    target.socket.send(JSON.stringify(envelope));
  }

  private timedOut(envelopeId: string): void {
    const p = this.pending.get(envelopeId);
    if (!p) return;
    this.pending.delete(envelopeId);
    const d = p.delivery;
    if (d.type === 'events_api' && d.attempts.length <= this.opts.maxRetries) this.send(d, 'timeout');
    else d.settle({ ok: false, error: 'timeout' });
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  private waitFor(check: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter = () => {
        if (!check()) return;
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`Socket Mode stand-in: timed out after ${timeoutMs} ms waiting for ${what()}`));
      }, timeoutMs);
      this.waiters.add(waiter);
      waiter();
    });
  }
}

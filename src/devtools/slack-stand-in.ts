import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorMessage } from '../kernel/errors.js';
import { blockLines } from './slack-block-text.js';

/** One request the stand-in received. `token` is dropped from `args` so calls can be printed safely. */
export interface RecordedCall {
  method: string;
  args: Record<string, unknown>;
  /** When the request arrived (ms since the epoch), before its body was read. */
  at: number;
  /** Set when an injected fault answered the call instead of the stand-in (e.g. `http 500`, `429`, `drop`). */
  fault?: string;
}

/**
 * How an injected fault answers: an HTTP error status (`status: 500`), a rate limit (`status: 429` with a
 * `Retry-After` header of `retryAfter` seconds), a Slack error (HTTP 200, `ok: false`), a dropped socket, or no
 * answer at all (`hang`, until `close()`). With `apply: true` the call still takes effect (the message is stored)
 * before the failure, as when Slack posts and the response is lost.
 */
export type FaultAnswer =
  | { status: number; retryAfter?: number; apply?: boolean }
  | { error: string }
  | { drop: true; apply?: boolean }
  | { hang: true; apply?: boolean };

/** A fault for the calls it matches (all by default), for the next `times` calls and/or `forMs` from now. */
export interface Fault {
  method?: string;
  /** Matches the call's `channel` (or `channel_id`) argument. */
  channel?: string;
  times?: number;
  forMs?: number;
  answer: FaultAnswer;
}

/** A fault in force; `remove()` lifts it, `hits` counts the calls it answered. */
export interface FaultHandle {
  readonly hits: number;
  remove(): void;
}

/** A message as it stands now: `chat.update` replaces text/blocks in place and counts `edits`. */
export interface StandInMessage {
  channel: string;
  ts: string;
  threadTs?: string;
  text: string;
  blocks: unknown[];
  edits: number;
  ephemeralTo?: string;
  /** Message metadata (`event_type`, `event_payload`) as posted; absent when the call sent none. */
  metadata?: unknown;
}

/** A channel the bot created with `conversations.create`, and who was invited to it. */
export interface StandInChannel {
  id: string;
  name: string;
  isPrivate: boolean;
  /** Members in the order they joined: the bot (its creator) first, then each invited user once. */
  members: string[];
}

/** A modal opened with `views.open` (or replaced with `views.update`), as the bot sent it. */
export interface StandInView {
  id: string;
  triggerId: string;
  /** The view object: `type`, `callback_id`, `private_metadata`, `title`, `blocks`, … */
  view: Record<string, unknown>;
  updates: number;
}

/** An upload that went through all three steps of `filesUploadV2`, with its content decoded as UTF-8. */
export interface StandInFile {
  id: string;
  filename: string;
  title: string;
  channel: string;
  threadTs?: string;
  content: string;
}

type Args = Record<string, unknown>;
type Reply = Record<string, unknown>;

/**
 * Answers one Web API method the stand-in does not know itself (e.g. `apps.connections.open` for the Socket Mode
 * stand-in). `token` is the caller's, from `Authorization: Bearer` or the `token` argument.
 */
export type MethodHandler = (args: Record<string, unknown>, token: string | undefined) => Record<string, unknown>;
interface Waiter {
  check: () => void;
  fail: (err: Error) => void;
}
interface ActiveFault {
  fault: Fault;
  until: number;
  left: number;
  hits: number;
}

// Web API clients send these as JSON strings inside form bodies; decode them so tests see the structures.
const JSON_FIELDS = new Set(['blocks', 'attachments', 'files', 'metadata', 'view']);
const TEAM = { id: 'T0TEST', domain: 'test' };
const BOT = { user_id: 'UBOT', bot_id: 'BBOT', user: 'incident-bot' };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(args: Args, key: string): string | undefined {
  const v = args[key];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

function list(args: Args, key: string): unknown[] {
  const v = args[key];
  return Array.isArray(v) ? v : [];
}

function tryJson(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Multipart parsing borrowed from the runtime's fetch implementation, so no dependency is needed. */
function formData(contentType: string, body: Buffer): Promise<FormData> {
  return new Response(new Uint8Array(body), { headers: { 'content-type': contentType } }).formData();
}

async function parseArgs(
  contentType: string,
  body: Buffer,
  query: URLSearchParams,
): Promise<{ args: Args; token: string | undefined }> {
  const args: Args = {};
  const put = (k: string, v: string) => {
    args[k] = JSON_FIELDS.has(k) ? tryJson(v) : v;
  };
  for (const [k, v] of query) put(k, v);
  if (body.length > 0) {
    if (contentType.startsWith('application/json')) {
      const parsed: unknown = JSON.parse(body.toString('utf8'));
      if (isRecord(parsed)) Object.assign(args, parsed);
    } else if (contentType.startsWith('multipart/form-data')) {
      for (const [k, v] of await formData(contentType, body)) put(k, typeof v === 'string' ? v : await v.text());
    } else {
      for (const [k, v] of new URLSearchParams(body.toString('utf8'))) put(k, v);
    }
  }
  const { token, ...rest } = args;
  return { args: rest, token: typeof token === 'string' ? token : undefined };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const type = typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8';
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Compresses `a a a b` to `a ×3, b` so a timeout message stays readable. */
function summarize(methods: string[]): string {
  const runs: Array<[string, number]> = [];
  for (const m of methods) {
    const last = runs[runs.length - 1];
    if (last && last[0] === m) last[1]++;
    else runs.push([m, 1]);
  }
  return runs.map(([m, n]) => (n > 1 ? `${m} ×${n}` : m)).join(', ') || '(none)';
}

/**
 * A local stand-in for the Slack Web API on 127.0.0.1: records every call, keeps messages, threads, ephemerals and
 * uploaded files, and answers the way Slack does (HTTP 200 with `ok: true/false`). Point a WebClient at it with
 * `slackApiUrl: `${standIn.url}/api/``.
 */
export class SlackStandIn {
  readonly calls: RecordedCall[] = [];
  private readonly posted: Array<StandInMessage & { seq: number }> = [];
  private readonly uploads = new Map<string, { filename: string; content?: string }>();
  private readonly completed: Array<StandInFile & { seq: number }> = [];
  private readonly created: StandInChannel[] = [];
  private readonly opened: StandInView[] = [];
  private readonly waiters = new Set<Waiter>();
  private readonly faults = new Set<ActiveFault>();
  private readonly handlers = new Map<string, MethodHandler>();
  private seq = 0;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly onCall?: (call: RecordedCall) => void,
  ) {}

  /** Listens on 127.0.0.1 (port 0 = any free port) and resolves once the socket is bound. */
  static async start(opts: { port?: number; onCall?: (call: RecordedCall) => void } = {}): Promise<SlackStandIn> {
    let standIn: SlackStandIn | undefined;
    const server = createServer((req, res) => {
      if (standIn) void standIn.handle(req, res);
      else send(res, 503, { ok: false, error: 'starting' });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    standIn = new SlackStandIn(server, `http://127.0.0.1:${port}`, opts.onCall);
    return standIn;
  }

  messages(): StandInMessage[] {
    return this.posted.filter((m) => m.ephemeralTo === undefined).map(({ seq: _seq, ...m }) => m);
  }

  ephemerals(): StandInMessage[] {
    return this.posted.filter((m) => m.ephemeralTo !== undefined).map(({ seq: _seq, ...m }) => m);
  }

  threads(): Array<{ root: StandInMessage; replies: StandInMessage[] }> {
    const all = this.messages();
    return all
      .filter((m) => m.threadTs === undefined)
      .map((root) => ({ root, replies: all.filter((r) => r.channel === root.channel && r.threadTs === root.ts) }));
  }

  /** Channels created with `conversations.create`, oldest first, with their members. */
  channels(): StandInChannel[] {
    return this.created.map((c) => ({ ...c, members: [...c.members] }));
  }

  /** Modals opened by the bot, oldest first. */
  views(): StandInView[] {
    return this.opened.map((v) => ({ ...v }));
  }

  files(): StandInFile[] {
    return this.completed.map(({ seq: _seq, ...f }) => f);
  }

  /**
   * Resolves with the predicate's first truthy result. The predicate is checked now and again after every recorded
   * call, so tests wait on what the bot does rather than on sleeps.
   */
  waitFor<T>(predicate: () => T | undefined | false, opts: { timeoutMs?: number; what?: string } = {}): Promise<T> {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    const what = opts.what ?? 'a condition';
    return new Promise<T>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      const waiter: Waiter = {
        check: () => {
          try {
            const value = predicate();
            if (value) {
              done();
              resolve(value as T);
            }
          } catch (err) {
            done();
            reject(err);
          }
        },
        fail: (err) => {
          done();
          reject(err);
        },
      };
      const timer = setTimeout(() => {
        const methods = summarize(this.calls.map((c) => c.method));
        waiter.fail(
          new Error(
            `Slack stand-in: timed out after ${timeoutMs} ms waiting for ${what}; ${this.calls.length} calls recorded: ${methods}`,
          ),
        );
      }, timeoutMs);
      this.waiters.add(waiter);
      waiter.check();
    });
  }

  /**
   * Makes matching Web API calls fail the way Slack does under load or in an outage, so delivery code can be tested
   * against 5xx, 429 with `Retry-After`, Slack errors and lost responses. Faults are checked in injection order; the
   * first match answers. Calls answered by a fault are recorded with `fault` set.
   */
  inject(fault: Fault): FaultHandle {
    const active: ActiveFault = {
      fault,
      until: fault.forMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + fault.forMs,
      left: fault.times ?? Number.POSITIVE_INFINITY,
      hits: 0,
    };
    this.faults.add(active);
    return {
      get hits() {
        return active.hits;
      },
      remove: () => {
        this.faults.delete(active);
      },
    };
  }

  /** Answers `method` with `handler` from now on (recorded like any other call; faults still apply first). */
  answer(method: string, handler: MethodHandler): void {
    this.handlers.set(method, handler);
  }

  /** Lifts every injected fault. */
  clearFaults(): void {
    this.faults.clear();
  }

  /** Plain-text view of a thread (root, replies, ephemerals and files in arrival order) for the demo to print. */
  renderThread(root: StandInMessage): string {
    const inThread = (x: { channel: string; threadTs?: string }) =>
      x.channel === root.channel && x.threadTs === root.ts;
    const rootEntry = this.posted.find((m) => m.channel === root.channel && m.ts === root.ts) ?? { ...root, seq: -1 };
    const items = [...this.posted.filter(inThread), ...this.completed.filter(inThread)].sort((a, b) => a.seq - b.seq);
    const lines = [...this.renderMessage(rootEntry, '')];
    for (const item of items) {
      if ('content' in item) {
        lines.push(`  └ file ${item.filename} "${item.title}" (${Buffer.byteLength(item.content)} bytes)`);
      } else {
        lines.push(...this.renderMessage(item, '  └ '));
      }
    }
    return lines.join('\n');
  }

  /** Stops listening, drops keep-alive sockets and rejects any pending `waitFor`. */
  async close(): Promise<void> {
    for (const w of [...this.waiters]) w.fail(new Error('Slack stand-in closed while a waitFor was pending'));
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private renderMessage(m: StandInMessage, prefix: string): string[] {
    const who = m.ephemeralTo ? `${BOT.user} (only visible to ${m.ephemeralTo})` : BOT.user;
    const edited = m.edits > 0 ? ` (edited ${m.edits}x)` : '';
    const head = `${prefix}${m.threadTs ? '' : `#${m.channel} `}${m.ts} ${who}${edited}`;
    const body = m.blocks.length > 0 ? m.blocks.flatMap(blockLines) : m.text.split('\n');
    const indent = ' '.repeat(prefix.length + 2);
    return [head, ...body.map((l) => `${indent}${l}`)];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    try {
      const url = new URL(req.url ?? '/', this.url);
      const body = await readBody(req);
      const contentType = req.headers['content-type'] ?? '';
      if (url.pathname.startsWith('/api/')) {
        const method = decodeURIComponent(url.pathname.slice('/api/'.length));
        let args: Args;
        let token: string | undefined;
        try {
          ({ args, token } = await parseArgs(contentType, body, url.searchParams));
        } catch {
          send(res, 200, { ok: false, error: 'invalid_arguments' });
          this.record(method, {}, at);
          return;
        }
        const fault = this.takeFault(method, args);
        if (fault) return this.answerFault(res, method, args, fault, at);
        const handler = this.handlers.get(method);
        const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
        send(res, 200, handler ? handler(args, bearer ?? token) : this.dispatch(method, args));
        this.record(method, args, at);
      } else if (url.pathname.startsWith('/upload/')) {
        const id = decodeURIComponent(url.pathname.slice('/upload/'.length));
        const upload = this.uploads.get(id);
        if (!upload) return send(res, 404, `no pending upload ${id}`);
        upload.content = await this.uploadedText(contentType, body);
        send(res, 200, `OK - ${body.length}`);
        this.record('upload', { file_id: id, bytes: Buffer.byteLength(upload.content), content_type: contentType }, at);
      } else {
        send(res, 404, { ok: false, error: 'not_found' });
      }
    } catch (err) {
      send(res, 500, { ok: false, error: 'stand_in_error', detail: errorMessage(err) });
    }
  }

  /** web-api 8.2 posts the bytes as multipart (field `body`, filename `Untitled`); raw bodies are accepted too. */
  private async uploadedText(contentType: string, body: Buffer): Promise<string> {
    if (!contentType.startsWith('multipart/form-data')) return body.toString('utf8');
    const form = await formData(contentType, body);
    for (const [, v] of form) if (typeof v !== 'string') return v.text();
    return '';
  }

  private takeFault(method: string, args: Args): FaultAnswer | undefined {
    const now = Date.now();
    const channel = str(args, 'channel') ?? str(args, 'channel_id');
    for (const f of this.faults) {
      if (now >= f.until || f.left <= 0) {
        this.faults.delete(f);
        continue;
      }
      if (f.fault.method !== undefined && f.fault.method !== method) continue;
      if (f.fault.channel !== undefined && f.fault.channel !== channel) continue;
      f.left--;
      f.hits++;
      return f.fault.answer;
    }
    return undefined;
  }

  private answerFault(res: ServerResponse, method: string, args: Args, answer: FaultAnswer, at: number): void {
    if ('error' in answer) {
      send(res, 200, { ok: false, error: answer.error });
      this.record(method, args, at, `error ${answer.error}`);
      return;
    }
    if (answer.apply) this.dispatch(method, args);
    if ('drop' in answer) {
      res.socket?.destroy();
      this.record(method, args, at, 'drop');
    } else if ('hang' in answer) {
      this.record(method, args, at, 'hang');
    } else if (answer.status === 429) {
      const text = JSON.stringify({ ok: false, error: 'ratelimited' });
      res.writeHead(429, {
        'content-type': 'application/json; charset=utf-8',
        'retry-after': String(answer.retryAfter ?? 1),
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
      this.record(method, args, at, '429');
    } else {
      send(res, answer.status, { ok: false, error: 'fault_injected' });
      this.record(method, args, at, `http ${answer.status}`);
    }
  }

  private record(method: string, args: Args, at: number, fault?: string): void {
    const call: RecordedCall = { method, args, at, ...(fault ? { fault } : {}) };
    this.calls.push(call);
    this.onCall?.(call);
    for (const w of [...this.waiters]) w.check();
  }

  private nextTs(): string {
    this.seq++;
    const micros = this.seq * 100;
    return `${1_700_000_000 + Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }

  private slackMessage(m: StandInMessage, withMetadata = false): Reply {
    return {
      type: 'message',
      user: BOT.user_id,
      bot_id: BOT.bot_id,
      team: TEAM.id,
      text: m.text,
      blocks: m.blocks,
      ts: m.ts,
      ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
      ...(withMetadata && m.metadata !== undefined ? { metadata: m.metadata } : {}),
    };
  }

  /** Stores a posted message, or returns Slack's error code. */
  private post(args: Args, ephemeralTo?: string): StandInMessage | string {
    const channel = str(args, 'channel');
    if (!channel) return 'channel_not_found';
    const text = str(args, 'text') ?? '';
    const blocks = list(args, 'blocks');
    if (!text && blocks.length === 0) return 'no_text';
    const threadTs = str(args, 'thread_ts');
    const message: StandInMessage = {
      channel,
      ts: this.nextTs(),
      text,
      blocks,
      edits: 0,
      ...(threadTs ? { threadTs } : {}),
      ...(ephemeralTo ? { ephemeralTo } : {}),
      ...(args.metadata !== undefined && !ephemeralTo ? { metadata: args.metadata } : {}),
    };
    this.posted.push({ ...message, seq: this.seq });
    return message;
  }

  private dispatch(method: string, args: Args): Reply {
    switch (method) {
      case 'auth.test':
        return { ok: true, url: `https://${TEAM.domain}.slack.com/`, team: TEAM.domain, team_id: TEAM.id, ...BOT };
      case 'chat.postMessage': {
        const m = this.post(args);
        if (typeof m === 'string') return { ok: false, error: m };
        return { ok: true, channel: m.channel, ts: m.ts, message: this.slackMessage(m) };
      }
      case 'chat.postEphemeral': {
        const user = str(args, 'user');
        if (!user) return { ok: false, error: 'user_not_in_channel' };
        const m = this.post(args, user);
        return typeof m === 'string' ? { ok: false, error: m } : { ok: true, message_ts: m.ts };
      }
      case 'chat.update': {
        const ts = str(args, 'ts');
        const channel = str(args, 'channel');
        const m = this.posted.find(
          (p) => p.ts === ts && p.ephemeralTo === undefined && (!channel || p.channel === channel),
        );
        if (!m) return { ok: false, error: 'message_not_found' };
        const text = str(args, 'text');
        if (text !== undefined) m.text = text;
        if (args.blocks !== undefined) m.blocks = list(args, 'blocks');
        m.edits++;
        return { ok: true, channel: m.channel, ts: m.ts, text: m.text, message: this.slackMessage(m) };
      }
      case 'chat.getPermalink': {
        // Slack answers for any message of a channel the bot can read, including people's: no stored copy needed.
        const channel = str(args, 'channel');
        const ts = str(args, 'message_ts');
        if (!channel) return { ok: false, error: 'channel_not_found' };
        if (!ts || !/^\d+\.\d+$/.test(ts)) return { ok: false, error: 'message_not_found' };
        const reply = this.posted.find((p) => p.channel === channel && p.ts === ts)?.threadTs;
        const thread = reply ? `?thread_ts=${reply}&cid=${channel}` : '';
        return {
          ok: true,
          channel,
          permalink: `https://${TEAM.domain}.slack.com/archives/${channel}/p${ts.replace('.', '')}${thread}`,
        };
      }
      case 'views.open':
      case 'views.update':
        return this.openView(method, args);
      case 'files.getUploadURLExternal': {
        const filename = str(args, 'filename');
        if (!filename || str(args, 'length') === undefined) return { ok: false, error: 'invalid_arguments' };
        this.seq++;
        const fileId = `F0TEST${String(this.seq).padStart(4, '0')}`;
        this.uploads.set(fileId, { filename });
        return { ok: true, upload_url: `${this.url}/upload/${fileId}`, file_id: fileId };
      }
      case 'files.completeUploadExternal':
        return this.completeUploads(args);
      case 'conversations.replies':
      case 'conversations.history':
        return this.readMessages(method, args);
      case 'conversations.create':
        return this.createChannel(args);
      case 'conversations.invite':
        return this.invite(args);
      case 'conversations.info': {
        const id = str(args, 'channel');
        if (!id) return { ok: false, error: 'channel_not_found' };
        const made = this.created.find((c) => c.id === id);
        if (made) return { ok: true, channel: this.channelObject(made) };
        const channel = { id, name: id.toLowerCase(), is_channel: true, is_private: false, is_archived: false };
        return { ok: true, channel: { ...channel, is_member: true, created: 1_700_000_000 } };
      }
      case 'users.info': {
        const id = str(args, 'user');
        if (!id) return { ok: false, error: 'user_not_found' };
        const name = id === BOT.user_id ? BOT.user : id.toLowerCase();
        const profile = { display_name: name, real_name: name };
        return { ok: true, user: { id, team_id: TEAM.id, name, real_name: name, is_bot: id === BOT.user_id, profile } };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  /**
   * `conversations.replies` (a thread, root first, oldest first) and `conversations.history` (a channel's top-level
   * messages, newest first), paged with `limit` and an opaque `cursor`; metadata only with `include_all_metadata`.
   */
  private readMessages(method: string, args: Args): Reply {
    const channel = str(args, 'channel');
    if (!channel) return { ok: false, error: 'channel_not_found' };
    const visible = this.posted.filter((m) => m.channel === channel && m.ephemeralTo === undefined);
    let found: StandInMessage[];
    if (method === 'conversations.replies') {
      const ts = str(args, 'ts');
      const root = visible.find((m) => m.ts === ts);
      if (!root) return { ok: false, error: 'thread_not_found' };
      found = [root, ...visible.filter((m) => m.threadTs === ts && m.ts !== ts)];
    } else {
      found = visible.filter((m) => m.threadTs === undefined).reverse();
    }
    const limit = Math.max(1, Number(str(args, 'limit') ?? 100) || 100);
    const offset = Number(str(args, 'cursor') ?? 0) || 0;
    const page = found.slice(offset, offset + limit);
    const more = offset + limit < found.length;
    const withMetadata = args.include_all_metadata === true || str(args, 'include_all_metadata') === 'true';
    return {
      ok: true,
      messages: page.map((m) => this.slackMessage(m, withMetadata)),
      has_more: more,
      response_metadata: { next_cursor: more ? String(offset + limit) : '' },
    };
  }

  /**
   * `conversations.create` as Slack checks names: lowercase letters, digits, `-` and `_` only (`invalid_name_specials`),
   * at most 80 characters (`invalid_name_maxlength`), not in use (`name_taken`). The bot becomes its first member.
   */
  private createChannel(args: Args): Reply {
    const name = str(args, 'name') ?? '';
    if (!name) return { ok: false, error: 'invalid_name_required' };
    if (name.length > 80) return { ok: false, error: 'invalid_name_maxlength' };
    if (!/^[a-z0-9_-]+$/.test(name)) return { ok: false, error: 'invalid_name_specials' };
    if (this.created.some((c) => c.name === name)) return { ok: false, error: 'name_taken' };
    this.seq++;
    const isPrivate = args.is_private === true || str(args, 'is_private') === 'true';
    const channel: StandInChannel = {
      id: `C0NEW${String(this.seq).padStart(5, '0')}`,
      name,
      isPrivate,
      members: [BOT.user_id],
    };
    this.created.push(channel);
    return { ok: true, channel: this.channelObject(channel) };
  }

  /** `conversations.invite`: comma-separated `users` into a channel the bot created; one already there is an error. */
  private invite(args: Args): Reply {
    const channel = this.created.find((c) => c.id === str(args, 'channel'));
    if (!channel) return { ok: false, error: 'channel_not_found' };
    const users = (str(args, 'users') ?? '').split(',').filter(Boolean);
    if (users.length === 0) return { ok: false, error: 'no_user' };
    if (users.includes(BOT.user_id)) return { ok: false, error: 'cant_invite_self' };
    const fresh = users.filter((u) => !channel.members.includes(u));
    if (fresh.length === 0) return { ok: false, error: 'already_in_channel' };
    channel.members.push(...fresh);
    return { ok: true, channel: this.channelObject(channel) };
  }

  private channelObject(c: StandInChannel): Reply {
    return {
      id: c.id,
      name: c.name,
      is_channel: !c.isPrivate,
      is_group: c.isPrivate,
      is_private: c.isPrivate,
      is_archived: false,
      is_member: true,
      creator: BOT.user_id,
      created: 1_700_000_000,
      num_members: c.members.length,
    };
  }

  /**
   * `views.open` needs a trigger id (Slack's expire after 3 s; the stand-in only checks one is given) and a modal
   * view; `views.update` replaces a view by `view_id`.
   */
  private openView(method: string, args: Args): Reply {
    const view = args.view;
    if (!isRecord(view) || view.type !== 'modal') return { ok: false, error: 'invalid_arguments' };
    if (method === 'views.update') {
      const v = this.opened.find((o) => o.id === str(args, 'view_id'));
      if (!v) return { ok: false, error: 'not_found' };
      v.view = view;
      v.updates++;
      return { ok: true, view: { id: v.id, ...view, state: { values: {} } } };
    }
    const triggerId = str(args, 'trigger_id');
    if (!triggerId) return { ok: false, error: 'invalid_trigger_id' };
    this.seq++;
    const id = `V0TEST${String(this.seq).padStart(4, '0')}`;
    this.opened.push({ id, triggerId, view, updates: 0 });
    return { ok: true, view: { id, team_id: TEAM.id, ...view, state: { values: {} } } };
  }

  private completeUploads(args: Args): Reply {
    const channel = str(args, 'channel_id') ?? str(args, 'channels') ?? '';
    const threadTs = str(args, 'thread_ts');
    const files: Array<{ id: string; title: string; upload: { filename: string; content?: string } }> = [];
    for (const f of list(args, 'files')) {
      const id = isRecord(f) ? str(f, 'id') : undefined;
      const upload = id ? this.uploads.get(id) : undefined;
      if (!id || upload?.content === undefined) return { ok: false, error: 'file_not_found' };
      files.push({ id, title: (isRecord(f) && str(f, 'title')) || upload.filename, upload });
    }
    if (files.length === 0) return { ok: false, error: 'invalid_arguments' };
    this.seq++;
    for (const { id, title, upload } of files) {
      const content = upload.content ?? '';
      this.completed.push({
        id,
        filename: upload.filename,
        title,
        channel,
        content,
        seq: this.seq,
        ...(threadTs ? { threadTs } : {}),
      });
      this.uploads.delete(id);
    }
    return {
      ok: true,
      files: files.map(({ id, title, upload }) => ({
        id,
        title,
        name: upload.filename,
        mimetype: 'text/plain',
        size: Buffer.byteLength(upload.content ?? ''),
        permalink: `https://${TEAM.domain}.slack.com/files/${BOT.user_id}/${id}/${upload.filename}`,
      })),
    };
  }
}

import { once } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Redis } from 'ioredis';
import { AppError } from '../kernel/errors.js';

/** A decoded RESP2 reply; an error reply is a {@link RespError} value, not a rejection. */
export type RespReply = string | number | null | RespError | RespReply[];

/** An error reply (`-ERR …`) from the server. */
export class RespError extends Error {
  override name = 'RespError';
}

const EMPTY = Buffer.alloc(0);
const CR = 13;

/** Reads the integer between `start` and `end` without allocating a string (headers are parsed per reply). */
function intAt(buf: Buffer, start: number, end: number): number {
  let i = start;
  const negative = buf[i] === 45;
  if (negative) i++;
  let n = 0;
  for (; i < end; i++) n = n * 10 + (buf[i]! - 48);
  return negative ? -n : n;
}

/** Parses one reply at `i`; `undefined` when the buffer does not hold all of it yet. */
function parseReply(buf: Buffer, i: number): { value: RespReply; next: number } | undefined {
  const nl = buf.indexOf(CR, i);
  if (nl === -1 || nl + 1 >= buf.length) return undefined;
  switch (buf[i]) {
    case 43: // +simple
      return { value: buf.toString('utf8', i + 1, nl), next: nl + 2 };
    case 45: // -error
      return { value: new RespError(buf.toString('utf8', i + 1, nl)), next: nl + 2 };
    case 58: // :integer
      return { value: intAt(buf, i + 1, nl), next: nl + 2 };
    case 36: {
      // $bulk
      const len = intAt(buf, i + 1, nl);
      if (len < 0) return { value: null, next: nl + 2 };
      const end = nl + 2 + len;
      if (end + 2 > buf.length) return undefined;
      return { value: buf.toString('utf8', nl + 2, end), next: end + 2 };
    }
    case 42: {
      // *array
      const len = intAt(buf, i + 1, nl);
      if (len < 0) return { value: null, next: nl + 2 };
      const items: RespReply[] = [];
      let next = nl + 2;
      for (let k = 0; k < len; k++) {
        const item = parseReply(buf, next);
        if (!item) return undefined;
        items.push(item.value);
        next = item.next;
      }
      return { value: items, next };
    }
    default:
      throw new RespError(`protocol error: unexpected byte ${buf[i]} in reply`);
  }
}

/** A request written and waiting for its `want` replies. */
interface Pending {
  want: number;
  /** `performance.now()` by which its replies must have arrived. */
  deadline: number;
  replies: RespReply[];
  resolve(r: RespReply[]): void;
  reject(e: Error): void;
}

/**
 * A bare RESP2 connection for bulk read-only pipelines. ioredis allocates a Command and a promise per command
 * (~8 µs each on the 2-core bench machine: 400k commands for 200k keys = 3+ s of client CPU, which then competes
 * with redis-server for the cores and raises every client's p99). Here a batch is one string written once and
 * its replies are parsed in place (~1.5 µs per command). Several requests may be in flight; their replies come
 * back in order (RESP2 without pub/sub or blocking commands). Not a general-purpose client.
 *
 * Every request must be answered within the read timeout of its write, or the socket is destroyed and every pending
 * request rejects with a TARGET_TIMEOUT naming the node: a node that accepts TCP but stopped answering (SIGSTOP) must
 * not hold a scan, and the job around it, until the job's own deadline. Replies come in order, so one timer watching
 * the oldest pending request is enough.
 */
export class RespConnection {
  private buf: Buffer = EMPTY;
  /** Requests in the order they were written, oldest first; `head` indexes the oldest unanswered one. */
  private queue: Pending[] = [];
  private head = 0;
  private failure: Error | null = null;
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly socket: Socket,
    /** Set when replies arrive through `onread` into a reused buffer, which then must not be kept. */
    reader: { sink?: (chunk: Buffer) => void } | undefined,
    private readonly readTimeoutMs: number,
    /** `host:port (name)`, for the timeout's message. */
    private readonly peer: string,
  ) {
    socket.setNoDelay(true);
    if (reader) reader.sink = (chunk) => this.onData(chunk, true);
    else socket.on('data', (chunk: Buffer) => this.onData(chunk, false));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('connection closed by the server')));
  }

  /** Encodes one command as a RESP array of bulk strings. */
  static encode(...args: Array<string | number>): string {
    let out = `*${args.length}\r\n`;
    for (const a of args) {
      const s = String(a);
      out += `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
    }
    return out;
  }

  /**
   * Opens a second connection to the node `client` talks to, with its credentials, TLS settings and database,
   * named `name` in CLIENT LIST so operators can tell the scan apart. The live socket's peer address wins over
   * `client.options`, since a Sentinel-managed client's options name the sentinels, not the primary. The read
   * timeout defaults to the client's `commandTimeout`: the scan is held to the same bound as the probe's commands.
   */
  static async open(
    client: Redis,
    name: string,
    readTimeoutMs = client.options.commandTimeout ?? 10_000,
  ): Promise<RespConnection> {
    const o = client.options;
    const live = client.stream as Socket | undefined;
    const host = live?.remoteAddress ?? o.host ?? '127.0.0.1';
    const port = live?.remotePort ?? o.port ?? 6379;
    const timeoutMs = o.connectTimeout ?? 10_000;
    // Plain sockets read into one reused buffer (`onread`), skipping the stream machinery and a Buffer per read:
    // ~20% less client CPU per round trip on the bench machine. TLS sockets keep the 'data' events.
    const reader: { sink?: (chunk: Buffer) => void } = {};
    const onread = {
      buffer: Buffer.allocUnsafe(64 * 1024),
      callback: (n: number, buf: Buffer) => {
        reader.sink?.(buf.subarray(0, n));
        return true;
      },
    };
    const socket = o.tls
      ? tlsConnect({ ...o.tls, host, port, servername: o.tls.servername ?? o.host })
      : o.path
        ? netConnect({ path: o.path, onread })
        : netConnect({ host, port, onread });
    try {
      await once(socket, o.tls ? 'secureConnect' : 'connect', { signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      socket.destroy();
      throw err;
    }
    const conn = new RespConnection(socket, o.tls ? undefined : reader, readTimeoutMs, `${host}:${port} (${name})`);
    let hello = '';
    let count = 0;
    if (o.password) {
      hello += o.username
        ? RespConnection.encode('AUTH', o.username, o.password)
        : RespConnection.encode('AUTH', o.password);
      count++;
    }
    if (o.db) {
      hello += RespConnection.encode('SELECT', o.db);
      count++;
    }
    hello += RespConnection.encode('CLIENT', 'SETNAME', name);
    const replies = await conn.send(hello, count + 1).catch((err: Error) => {
      conn.close();
      throw err;
    });
    // AUTH and SELECT must succeed; CLIENT SETNAME is a courtesy an ACL may deny.
    const refused = replies.slice(0, count).find((r) => r instanceof RespError);
    if (refused) {
      conn.close();
      throw refused;
    }
    return conn;
  }

  /**
   * Writes `payload` (commands from {@link encode}) at once and resolves with its `count` replies, in order. It may
   * be called again before an earlier request is answered: the writes are pipelined.
   */
  send(payload: string, count: number): Promise<RespReply[]> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ want: count, replies: [], deadline: performance.now() + this.readTimeoutMs, resolve, reject });
      this.socket.write(payload);
      this.timer ??= setTimeout(this.onTimer, this.readTimeoutMs);
    });
  }

  close(): void {
    this.failure ??= new Error('connection closed');
    clearTimeout(this.timer);
    this.socket.destroy();
  }

  /** Fires at the oldest pending request's deadline (or re-arms for the one that is oldest now). */
  private readonly onTimer = (): void => {
    this.timer = undefined;
    const oldest = this.queue[this.head];
    if (!oldest) return;
    const left = oldest.deadline - performance.now();
    if (left > 0) {
      this.timer = setTimeout(this.onTimer, left);
      return;
    }
    this.fail(
      new AppError(
        'TARGET_TIMEOUT',
        `${this.peer} is unreachable: timed out, no reply within ${this.readTimeoutMs} ms`,
      ),
    );
    this.socket.destroy();
  };

  private onData(chunk: Buffer, reused: boolean): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    let offset = 0;
    const done: Pending[] = [];
    try {
      for (let p = this.queue[this.head]; p; p = this.queue[this.head]) {
        while (p.replies.length < p.want) {
          const reply = parseReply(this.buf, offset);
          if (!reply) break;
          p.replies.push(reply.value);
          offset = reply.next;
        }
        if (p.replies.length < p.want) break;
        done.push(p);
        this.head++;
      }
    } catch (err) {
      this.fail(err as Error);
      this.socket.destroy();
      return;
    }
    const rest = this.buf.subarray(offset);
    // A partial reply stays for the next read: copied out of the read buffer, which the next read overwrites.
    this.buf = rest.length === 0 ? EMPTY : reused && this.buf === chunk ? Buffer.from(rest) : rest;
    if (this.head === this.queue.length || this.head >= 1024) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    for (const p of done) p.resolve(p.replies);
  }

  private fail(err: Error): void {
    this.failure ??= err;
    clearTimeout(this.timer);
    this.timer = undefined;
    const waiting = this.queue.slice(this.head);
    this.queue = [];
    this.head = 0;
    for (const p of waiting) p.reject(err);
  }
}

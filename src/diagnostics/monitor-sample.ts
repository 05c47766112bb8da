import { once } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Redis } from 'ioredis';
import { AppError } from '../kernel/errors.js';
import { type MonitorLine, parseMonitorLine } from './monitor-line.js';

export interface MonitorSampleOptions {
  /** Stop after this long, counted from the server's `+OK` to MONITOR. */
  maxMs: number;
  /** Stop after this many lines (including ignored ones). */
  maxLines: number;
  /** Client addresses whose commands are not counted (the bot's own connection). */
  ignoreSources?: ReadonlySet<string>;
  signal?: AbortSignal;
  onLine(line: MonitorLine): void;
}

export interface MonitorSampleResult {
  /** Lines read, including ignored and unparsable ones. */
  lines: number;
  ignored: number;
  unparsed: number;
  elapsedMs: number;
  stoppedBy: 'maxLines' | 'maxSeconds' | 'aborted' | 'closed';
}

function encode(...args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** Opens a second socket to the node `client` talks to (its live peer address, TLS settings and credentials). */
async function openSocket(client: Redis): Promise<Socket> {
  const o = client.options;
  const live = client.stream as Socket | undefined;
  const host = live?.remoteAddress ?? o.host ?? '127.0.0.1';
  const port = live?.remotePort ?? o.port ?? 6379;
  const socket = o.tls
    ? tlsConnect({ ...o.tls, host, port, servername: o.tls.servername ?? o.host })
    : o.path
      ? netConnect(o.path)
      : netConnect({ host, port });
  try {
    await once(socket, o.tls ? 'secureConnect' : 'connect', {
      signal: AbortSignal.timeout(o.connectTimeout ?? 10_000),
    });
  } catch (err) {
    socket.destroy();
    throw err;
  }
  return socket;
}

/**
 * Runs `MONITOR` on a dedicated connection for at most `maxMs` and `maxLines`, handing each parsed line to `onLine`,
 * then closes the connection (which ends MONITOR on the server). ioredis's monitor mode is not used: it splits
 * arguments on `" "` and does not decode the server's escapes, which garbles key names.
 * MONITOR costs the server throughput while it runs: every command is formatted and copied to this connection.
 */
export async function sampleMonitor(client: Redis, o: MonitorSampleOptions): Promise<MonitorSampleResult> {
  const socket = await openSocket(client);
  const auth = client.options.password
    ? client.options.username
      ? encode('AUTH', client.options.username, client.options.password)
      : encode('AUTH', client.options.password)
    : '';
  // AUTH must succeed; CLIENT SETNAME is a courtesy an ACL may deny; MONITOR's reply says whether we may sample.
  const expected: Array<'auth' | 'setname' | 'monitor'> = [...(auth ? (['auth'] as const) : []), 'setname', 'monitor'];
  const result: MonitorSampleResult = { lines: 0, ignored: 0, unparsed: 0, elapsedMs: 0, stoppedBy: 'closed' };
  let started = 0;
  let buf = '';
  return new Promise<MonitorSampleResult>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (stoppedBy: MonitorSampleResult['stoppedBy'], err?: Error) => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      result.stoppedBy = stoppedBy;
      result.elapsedMs = started ? Date.now() - started : 0;
      if (err) reject(err);
      else resolve(result);
    };
    const onAbort = () => finish('aborted');
    if (o.signal?.aborted) {
      finish('aborted');
      return;
    }
    o.signal?.addEventListener('abort', onAbort, { once: true });
    // Until MONITOR's +OK the server owes replies, so the read timeout applies; after it, silence is an idle server
    // and only the sample's own bound (maxMs) ends it.
    const readTimeoutMs = client.options.commandTimeout ?? 10_000;
    timer = setTimeout(
      () =>
        finish(
          'closed',
          new AppError(
            'TARGET_TIMEOUT',
            `${socket.remoteAddress}:${socket.remotePort} is unreachable: timed out, MONITOR not answered within ${readTimeoutMs} ms`,
          ),
        ),
      readTimeoutMs,
    );
    socket.setEncoding('latin1');
    socket.on('error', (err) => finish('closed', started ? undefined : err));
    socket.on('close', () => finish('closed'));
    socket.on('data', (chunk: string) => {
      buf += chunk;
      let nl = buf.indexOf('\r\n');
      while (nl >= 0 && !done) {
        // Lines are latin1 here so that each byte is one char; re-read as UTF-8 for non-ASCII printables.
        const raw = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        const line = Buffer.from(raw, 'latin1').toString('utf8');
        const pending = expected.shift();
        if (pending) {
          if (line.startsWith('-') && pending !== 'setname') {
            finish('closed', new Error(`${pending.toUpperCase()} refused: ${line.slice(1)}`));
            return;
          }
          if (pending === 'monitor') {
            started = Date.now();
            if (timer) clearTimeout(timer);
            timer = setTimeout(() => finish('maxSeconds'), o.maxMs);
          }
        } else if (line.startsWith('+')) {
          result.lines++;
          const parsed = parseMonitorLine(line.slice(1));
          if (!parsed) result.unparsed++;
          else if (o.ignoreSources?.has(parsed.source)) result.ignored++;
          else o.onLine(parsed);
          if (result.lines >= o.maxLines) {
            finish('maxLines');
            return;
          }
        }
        nl = buf.indexOf('\r\n');
      }
    });
    socket.write(`${auth}${encode('CLIENT', 'SETNAME', 'redis-incident-bot-monitor')}${encode('MONITOR')}`);
  });
}

import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A loopback gate in front of the Slack stand-in: forwards every call, or answers 500 while an outage is on. */
export interface SlackOutageGate {
  /** The base to give the bot as SLACK_API_URL (append `/api/`). */
  url: string;
  /** Calls answered 500 so far. */
  failed(): number;
  /** Answers every call with HTTP 500 for `ms` from now. */
  outage(ms: number): void;
  close(): Promise<void>;
}

/**
 * Starts the gate on a free loopback port. Calls during an outage never reach the stand-in, so its recorded
 * messages are exactly what Slack would show.
 */
export async function startSlackOutageGate(upstream: string): Promise<SlackOutageGate> {
  let until = 0;
  let failed = 0;
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      if (Date.now() < until) {
        failed++;
        const text = JSON.stringify({ ok: false, error: 'fault_injected' });
        res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
        res.end(text);
        return;
      }
      try {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) {
          if (typeof v === 'string' && k !== 'host' && k !== 'content-length' && k !== 'connection') headers[k] = v;
        }
        const up = await fetch(`${upstream}${req.url ?? '/'}`, {
          method: req.method ?? 'POST',
          headers,
          ...(body.length > 0 ? { body: new Uint8Array(body) } : {}),
        });
        const out = Buffer.from(await up.arrayBuffer());
        res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'application/json' });
        res.end(out);
      } catch (err) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`gate: ${(err as Error).message}`);
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    failed: () => failed,
    outage(ms) {
      until = Date.now() + ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

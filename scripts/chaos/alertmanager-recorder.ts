import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One alert as Alertmanager sent it in a notification. */
export interface SentAlert {
  alertname: string;
  instance: string;
  status: string;
}

/** What Alertmanager delivered to the bot, seen on the wire between them. */
export interface AlertmanagerRecorder {
  /** Give Alertmanager this as its webhook URL. */
  url: string;
  /** Notifications sent, by the bot's answer: `202`, `503`, `error` (no answer). */
  answers(): Record<string, number>;
  /** Every `alertname|instance|status` Alertmanager sent at least once. */
  sentChanges(): Set<string>;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** `alertname|instance|status`, the key a state change is counted under everywhere in the chaos run. */
export const changeKey = (a: SentAlert) => `${a.alertname}|${a.instance}|${a.status}`;

/**
 * A loopback hop between Alertmanager and the bot's /alertmanager: forwards each notification unchanged (headers
 * included, so Bearer auth is the bot's to check), hands the bot's answer back to Alertmanager (its retries depend
 * on it), and records what was sent, so "what Alertmanager sent" is measured rather than assumed.
 */
export async function startAlertmanagerRecorder(botWebhookUrl: string): Promise<AlertmanagerRecorder> {
  const answers: Record<string, number> = {};
  const sent = new Set<string>();
  const count = (k: string) => {
    answers[k] = (answers[k] ?? 0) + 1;
  };
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      try {
        const parsed = JSON.parse(body.toString('utf8')) as {
          alerts?: Array<{ status?: string; labels?: Record<string, string> }>;
        };
        for (const a of parsed.alerts ?? []) {
          sent.add(
            changeKey({
              alertname: a.labels?.alertname ?? '',
              instance: a.labels?.instance ?? '',
              status: a.status ?? '',
            }),
          );
        }
      } catch {
        // Not JSON: forwarded as is; the bot answers 400 and that is counted.
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === 'string' && k !== 'host' && k !== 'content-length' && k !== 'connection') headers[k] = v;
      }
      try {
        const up = await fetch(botWebhookUrl, {
          method: 'POST',
          headers,
          body: new Uint8Array(body),
          // Alertmanager's own notify timeout is ~10 s here; answer before it gives up on us.
          signal: AbortSignal.timeout(9_000),
        });
        const text = await up.text();
        count(String(up.status));
        res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'text/plain' });
        res.end(text);
      } catch (err) {
        count('error');
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`recorder: ${(err as Error).message}`);
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/alertmanager`,
    answers: () => ({ ...answers }),
    sentChanges: () => new Set(sent),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { errorMessage } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import type { AckKind } from '../kernel/metrics.js';
import { sendJson } from './respond.js';
import type { HttpRoute } from './routes.js';
import { slackRequestKind } from './slack-request-kind.js';

/** How far in the future a Slack request timestamp may be (clock skew); Bolt itself only rejects old ones. */
export const MAX_FUTURE_SKEW_SECONDS = 300;

/** Seconds from a `/slack/events` request's arrival to its response sent, and what it was. */
export type SlackAnswered = (kind: AckKind, seconds: number) => void;

export interface EdgeServerOptions {
  /** The route table (`httpRoutes`): `/alertmanager`, `/healthz`, `/readyz`, `/metrics`. */
  routes: HttpRoute[];
  /** HTTP mode: Bolt's receiver for `/slack/…`. Absent in Socket Mode, where Slack's requests come over the socket. */
  slack?: RequestListener | undefined;
  logger: Logger;
  now?: () => number;
  /**
   * Hears, for every request on `/slack/events`, how long its ack took from arrival (signature check and listener
   * included) and its kind.
   */
  onSlackAnswered?: SlackAnswered | undefined;
}

/**
 * The one HTTP server, in both Slack modes: our routes by exact path and method (405 naming the allowed method for
 * another), `/slack/…` to Bolt's receiver in HTTP mode, 404 for anything else. Before Bolt, one check Bolt lacks: a
 * Slack request stamped more than 5 minutes in the future is refused (401), so a captured request signed with a
 * future timestamp cannot be replayed later.
 */
export function createEdgeServer(o: EdgeServerOptions): Server {
  const now = o.now ?? Date.now;
  const table = new Map<string, Map<string, HttpRoute['handler']>>();
  for (const r of o.routes) table.set(r.path, (table.get(r.path) ?? new Map()).set(r.method, r.handler));
  const serve = (handler: HttpRoute['handler'], req: IncomingMessage, res: ServerResponse) => {
    Promise.resolve()
      .then(() => handler(req, res))
      .catch((err: unknown) => {
        o.logger.error({ err: errorMessage(err), path: req.url }, 'http route failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error; it was logged' });
        else res.destroy();
      });
  };
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    let path: string;
    try {
      path = new URL(req.url ?? '/', 'http://edge.invalid').pathname;
    } catch {
      req.resume();
      sendJson(res, 400, { error: 'malformed request URL' });
      return;
    }
    const methods = table.get(path);
    if (methods) {
      const handler = methods.get(req.method ?? '');
      if (handler) return serve(handler, req, res);
      req.resume();
      const allow = [...methods.keys()].join(', ');
      sendJson(res, 405, { error: `${path} takes ${allow}` }, { allow });
      return;
    }
    if (o.slack && path.startsWith('/slack/')) {
      const answered = o.onSlackAnswered;
      if (answered && path === '/slack/events') {
        const arrived = performance.now();
        res.once('finish', () => {
          const seconds = (performance.now() - arrived) / 1000;
          // Bolt keeps the body it read on the request (`rawBody`); classifying it now is after the answer.
          const raw = (req as IncomingMessage & { rawBody?: Buffer }).rawBody;
          answered(slackRequestKind(raw, req.headers['content-type']), seconds);
        });
      }
      const ts = Number(req.headers['x-slack-request-timestamp']);
      if (Number.isFinite(ts) && ts - now() / 1000 > MAX_FUTURE_SKEW_SECONDS) {
        o.logger.warn({ ts }, 'slack request with a future timestamp refused');
        req.resume();
        sendJson(res, 401, { error: 'request timestamp is in the future' });
        return;
      }
      o.slack(req, res);
      return;
    }
    req.resume();
    sendJson(res, 404, { error: `no route for ${req.method} ${path}` });
  });
}

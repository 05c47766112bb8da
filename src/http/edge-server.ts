import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { HTTPReceiver } from '@slack/bolt';
import type { Logger } from '../kernel/logger.js';
import type { AckKind } from '../kernel/metrics.js';
import { sendJson } from './respond.js';
import { slackRequestKind } from './slack-request-kind.js';

/** How far in the future a Slack request timestamp may be (clock skew); Bolt itself only rejects old ones. */
export const MAX_FUTURE_SKEW_SECONDS = 300;

/** Seconds from a `/slack/events` request's arrival to its response sent, and what it was. */
export type SlackAnswered = (kind: AckKind, seconds: number) => void;

/**
 * The one HTTP server: every request goes to Bolt's receiver (Slack events and our custom routes), after one
 * check Bolt lacks: a Slack request stamped more than 5 minutes in the future is refused (401), so a captured
 * request signed with a future timestamp cannot be replayed later. `onSlackAnswered` hears, for every request on
 * `/slack/events`, how long its ack took from arrival (signature check and listener included) and its kind.
 */
export function createEdgeServer(
  receiver: HTTPReceiver,
  logger: Logger,
  now: () => number = Date.now,
  onSlackAnswered?: SlackAnswered,
): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    if (onSlackAnswered && (req.url ?? '').startsWith('/slack/events')) {
      const arrived = performance.now();
      res.once('finish', () => {
        const seconds = (performance.now() - arrived) / 1000;
        // Bolt keeps the body it read on the request (`rawBody`); classifying it now is after the answer.
        const raw = (req as IncomingMessage & { rawBody?: Buffer }).rawBody;
        onSlackAnswered(slackRequestKind(raw, req.headers['content-type']), seconds);
      });
    }
    if ((req.url ?? '').startsWith('/slack/')) {
      const ts = Number(req.headers['x-slack-request-timestamp']);
      if (Number.isFinite(ts) && ts - now() / 1000 > MAX_FUTURE_SKEW_SECONDS) {
        logger.warn({ ts }, 'slack request with a future timestamp refused');
        req.resume();
        sendJson(res, 401, { error: 'request timestamp is in the future' });
        return;
      }
    }
    receiver.requestListener(req, res);
  });
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { HTTPReceiver } from '@slack/bolt';
import type { Logger } from '../kernel/logger.js';
import { sendJson } from './respond.js';

/** How far in the future a Slack request timestamp may be (clock skew); Bolt itself only rejects old ones. */
export const MAX_FUTURE_SKEW_SECONDS = 300;

/**
 * The one HTTP server: every request goes to Bolt's receiver (Slack events and our custom routes), after one
 * check Bolt lacks: a Slack request stamped more than 5 minutes in the future is refused (401), so a captured
 * request signed with a future timestamp cannot be replayed later.
 */
export function createEdgeServer(receiver: HTTPReceiver, logger: Logger, now: () => number = Date.now): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
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

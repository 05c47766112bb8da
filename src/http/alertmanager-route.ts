import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseWebhook } from '../alertmanager/webhook-schema.js';
import type { Queues } from '../jobs/queues.js';
import { errorMessage, isAppError } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import type { Metrics } from '../kernel/metrics.js';
import { redactText } from '../kernel/redact.js';
import { withTimeout } from '../kernel/timeout.js';
import { readBody } from './read-body.js';
import { sendJson } from './respond.js';

export interface AlertmanagerRouteDeps {
  queues: Queues;
  /** When set, requests must carry `Authorization: Bearer <token>`. */
  token: string | undefined;
  metrics: Metrics;
  logger: Logger;
}

/** Past this, `POST /alertmanager` answers 503 instead of waiting for the state Redis to take the job. */
export const ENQUEUE_DEADLINE_MS = 1800;

const errorText = (err: unknown) => redactText(err instanceof Error ? err.message : String(err));

function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!m?.[1]) return false;
  const given = Buffer.from(m[1].trim());
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * `POST /alertmanager`: authenticate, bound, decode, parse and enqueue. No incident work happens here, so
 * Alertmanager gets its answer in milliseconds and a slow Slack never makes it retry; duplicates are accepted (202)
 * and made harmless by the alerts worker. A state Redis that cannot take the job gets a 503 within
 * ENQUEUE_DEADLINE_MS (Alertmanager retries 5xx, never 4xx, so 4xx is kept for payloads that are really invalid).
 */
export function alertmanagerHandler(d: AlertmanagerRouteDeps) {
  const outcome = (result: string) => d.metrics.inc('rib_webhooks_total', { result });
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      if (d.token && !bearerMatches(req.headers.authorization, d.token)) {
        outcome('unauthorized');
        sendJson(
          res,
          401,
          { error: 'missing or wrong bearer token (Authorization: Bearer $ALERTMANAGER_TOKEN)' },
          { 'www-authenticate': 'Bearer' },
        );
        req.resume();
        return;
      }
      let raw: Buffer;
      try {
        raw = await readBody(req);
      } catch (err) {
        if (!isAppError(err, 'BODY_TOO_LARGE')) throw err;
        outcome('too_large');
        // Close the connection: the rest of the body is not worth reading.
        res.setHeader('connection', 'close');
        sendJson(res, 413, { error: err.message });
        return;
      }
      let text: string;
      try {
        // Fatal: a body that is not UTF-8 is refused, never silently altered (U+FFFD in a label would split a group).
        text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
      } catch {
        outcome('invalid');
        sendJson(res, 400, {
          errors: [{ field: '(body)', message: 'the body is not valid UTF-8; Alertmanager sends UTF-8 JSON' }],
        });
        return;
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (err) {
        outcome('invalid');
        sendJson(res, 400, { errors: [{ field: '(body)', message: `not valid JSON: ${errorMessage(err)}` }] });
        return;
      }
      const parsed = parseWebhook(body);
      if (!parsed.ok) {
        outcome('invalid');
        d.logger.warn({ errors: parsed.errors }, 'invalid alertmanager webhook');
        sendJson(res, 400, { errors: parsed.errors });
        return;
      }
      let jobId: string;
      try {
        // A deadline of our own as well as the producers' fail-fast connection: Alertmanager waits for this answer,
        // and a 503 in two seconds makes it retry, where a hang holds its notification until it times out.
        jobId = await withTimeout(
          d.queues.add('alerts', { webhook: parsed.webhook, receivedAt: new Date().toISOString() }),
          ENQUEUE_DEADLINE_MS,
          'queueing the notification',
        );
      } catch (err) {
        outcome('unavailable');
        d.logger.warn({ err: errorText(err), groupKey: parsed.webhook.groupKey }, 'webhook not queued; answered 503');
        sendJson(res, 503, { error: `could not queue the notification (${errorText(err)}); retry` });
        return;
      }
      outcome('accepted');
      d.logger.info(
        {
          jobId,
          groupKey: parsed.webhook.groupKey,
          status: parsed.webhook.status,
          alerts: parsed.webhook.alerts.length,
          truncatedAlerts: parsed.webhook.truncatedAlerts,
        },
        'webhook accepted',
      );
      sendJson(res, 202, { status: 'accepted', jobId });
    } catch (err) {
      outcome('error');
      d.logger.error({ err }, 'webhook handling failed');
      // 5xx makes Alertmanager retry, which is what we want when our state Redis is briefly away.
      if (!res.headersSent) sendJson(res, 503, { error: 'could not queue the notification; retry' });
    }
  };
}

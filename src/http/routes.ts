import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../kernel/logger.js';
import { alertmanagerHandler } from './alertmanager-route.js';
import { type HealthDeps, healthzHandler, metricsHandler, readyzHandler } from './health-routes.js';

/** One HTTP route besides Slack's `/slack/events`; the receiver serves these on the same port. */
export interface HttpRoute {
  path: string;
  method: 'GET' | 'POST';
  handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
}

export interface HttpRouteDeps extends HealthDeps {
  /** ALERTMANAGER_TOKEN: when set, `/alertmanager` wants `Authorization: Bearer <token>`. */
  alertmanagerToken: string | undefined;
  logger: Logger;
}

/** The route table: every path the bot answers over HTTP, other than Slack's, and what answers it. */
export function httpRoutes(d: HttpRouteDeps): HttpRoute[] {
  return [
    {
      path: '/alertmanager',
      method: 'POST',
      handler: alertmanagerHandler({
        queues: d.queues,
        token: d.alertmanagerToken,
        metrics: d.metrics,
        logger: d.logger,
      }),
    },
    { path: '/healthz', method: 'GET', handler: healthzHandler },
    { path: '/readyz', method: 'GET', handler: readyzHandler(d) },
    { path: '/metrics', method: 'GET', handler: metricsHandler(d) },
  ];
}

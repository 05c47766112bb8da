import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Redis } from 'ioredis';
import type { IncidentStore } from '../incidents/incident-store.js';
import { QUEUE_NAMES } from '../jobs/catalog.js';
import type { Queues } from '../jobs/queues.js';
import { errorMessage } from '../kernel/errors.js';
import type { Metrics } from './metrics.js';
import { sendJson } from './respond.js';

export interface HealthDeps {
  redis: Redis;
  runbooks: number;
  queues: Queues;
  store: IncidentStore;
  metrics: Metrics;
}

const withDeadline = <T>(p: Promise<T>, ms: number): Promise<T> =>
  Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref()),
  ]);

/** `GET /healthz`: the process is up and serving HTTP. */
export const healthzHandler = (_req: IncomingMessage, res: ServerResponse): void =>
  sendJson(res, 200, { status: 'ok' });

/** `GET /readyz`: the state Redis answers and runbooks are loaded; 503 with the reason otherwise. */
export function readyzHandler(d: HealthDeps) {
  return async (_req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const checks: Record<string, string> = {};
    try {
      await withDeadline(d.redis.ping(), 1000);
      checks.redis = 'ok';
    } catch (err) {
      checks.redis = `unreachable: ${errorMessage(err)}`;
    }
    checks.runbooks = d.runbooks > 0 ? `${d.runbooks} loaded` : 'none loaded';
    const ready = checks.redis === 'ok' && d.runbooks > 0;
    sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks });
  };
}

/** `GET /metrics`: counters plus queue depths and open incidents, in Prometheus text format. */
export function metricsHandler(d: HealthDeps) {
  return async (_req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const gauges = [];
    try {
      const depths = await withDeadline(
        Promise.all(
          QUEUE_NAMES.map(async (q) => ({
            q,
            counts: await d.queues.get(q).getJobCounts('waiting', 'active', 'delayed', 'failed'),
          })),
        ),
        2000,
      );
      gauges.push({
        name: 'rib_queue_jobs',
        help: 'Jobs per queue and state',
        values: depths.flatMap(({ q, counts }) =>
          Object.entries(counts).map(([state, value]) => ({ labels: { queue: q, state }, value })),
        ),
      });
      const open = await withDeadline(d.store.listOpen(), 2000);
      gauges.push({ name: 'rib_incidents_open', help: 'Open incidents', values: [{ labels: {}, value: open.length }] });
    } catch {
      // Scrapes must not fail because the state Redis is slow; counters are still worth returning.
    }
    const text = d.metrics.render(gauges);
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
    res.end(text);
  };
}

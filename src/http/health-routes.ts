import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Redis } from 'ioredis';
import type { IncidentStore } from '../incidents/incident-store.js';
import { QUEUE_NAMES } from '../jobs/catalog.js';
import type { Queues } from '../jobs/queues.js';
import { errorMessage } from '../kernel/errors.js';
import type { Metrics } from '../kernel/metrics.js';
import { redactText } from '../kernel/redact.js';
import { redisUnavailableReason } from '../kernel/redis-availability.js';
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

/** `/readyz` answers within about this long whatever the state Redis does (load balancers probe with ~2 s timeouts). */
export const READY_CHECK_MS = 1000;

/** The state Redis check: `ok`, or why not (the connection's state and last error, or the ping's failure). */
async function stateRedisCheck(redis: Redis): Promise<string> {
  // Not connected: say so now with ioredis's own reason, rather than a ping waiting in its offline queue.
  const down = redisUnavailableReason(redis);
  if (down) return `unreachable (${redactText(down)})`;
  try {
    await withDeadline(redis.ping(), READY_CHECK_MS);
    return 'ok';
  } catch (err) {
    return `unreachable: ${redactText(errorMessage(err))}`;
  }
}

/**
 * `GET /readyz`: the state Redis answers and runbooks are loaded; 503 with the reason otherwise, e.g.
 * `{"status":"not ready","ready":false,"checks":{"redis":"unreachable (reconnecting: connect ECONNREFUSED …)",…}}`.
 */
export function readyzHandler(d: HealthDeps) {
  return async (_req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const checks: Record<string, string> = {};
    checks.redis = await stateRedisCheck(d.redis);
    checks.runbooks = d.runbooks > 0 ? `${d.runbooks} loaded` : 'none loaded';
    const ready = checks.redis === 'ok' && d.runbooks > 0;
    sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', ready, checks });
  };
}

/**
 * The state gauges `/metrics` reads when scraped: jobs per queue and state (BullMQ's counts, one call per queue)
 * and open incidents (one ZCARD of the open index), so a scrape costs the same with 10 or 50,000 incidents open.
 */
export function registerStateGauges(d: Pick<HealthDeps, 'queues' | 'store' | 'metrics'>): void {
  d.metrics.gaugeSource(
    'queues',
    [{ name: 'rib_queue_jobs', help: 'Jobs per queue and state', labelNames: ['queue', 'state'] }],
    async () => {
      const depths = await Promise.all(
        QUEUE_NAMES.map(async (q) => ({
          q,
          counts: await d.queues.get(q).getJobCounts('waiting', 'active', 'delayed', 'failed'),
        })),
      );
      const values = depths.flatMap(({ q, counts }) =>
        Object.entries(counts).map(([state, value]) => ({ labels: { queue: q, state }, value })),
      );
      return [{ name: 'rib_queue_jobs', values }];
    },
  );
  d.metrics.gaugeSource('incidents', [{ name: 'rib_incidents_open', help: 'Open incidents' }], async () => [
    { name: 'rib_incidents_open', values: [{ labels: {}, value: await d.store.openCount() }] },
  ]);
}

/**
 * `GET /metrics`: the Prometheus text of every metric (prom-client), gauges read now, each source under its own
 * deadline (a slow state Redis leaves its gauges at their last reading; the scrape still answers).
 */
export function metricsHandler(d: HealthDeps) {
  registerStateGauges(d);
  return async (_req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const text = await d.metrics.render();
    res.writeHead(200, { 'content-type': d.metrics.contentType });
    res.end(text);
  };
}

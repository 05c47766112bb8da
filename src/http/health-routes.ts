import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Redis } from 'ioredis';
import type { IncidentStore } from '../incidents/incident-store.js';
import { QUEUE_NAMES } from '../jobs/catalog.js';
import type { Queues } from '../jobs/queues.js';
import { errorMessage } from '../kernel/errors.js';
import { redactText } from '../kernel/redact.js';
import { redisUnavailableReason } from '../kernel/redis-availability.js';
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
      const open = await withDeadline(d.store.openCount(), 2000);
      gauges.push({ name: 'rib_incidents_open', help: 'Open incidents', values: [{ labels: {}, value: open }] });
    } catch {
      // Scrapes must not fail because the state Redis is slow; counters are still worth returning.
    }
    const text = d.metrics.render(gauges);
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
    res.end(text);
  };
}

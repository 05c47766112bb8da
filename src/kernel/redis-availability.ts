import type { Redis } from 'ioredis';
import { AppError } from './errors.js';

// ioredis keeps no record of why it is not connected; the readiness check and the 503 bodies want to say why.
const lastErrors = new WeakMap<Redis, string>();
// One pending "next ready" promise per connection, shared by every waiter, so an outage with many requests in
// flight does not pile up one `ready` listener per request.
const nextReady = new WeakMap<Redis, Promise<void>>();

/** Remembers `conn`'s last connection error (forgotten once it is ready again) for {@link redisUnavailableReason}. */
export function trackRedisErrors(conn: Redis): void {
  conn.on('error', (err: Error) => lastErrors.set(conn, err.message));
  conn.on('ready', () => lastErrors.delete(conn));
}

/** Why `conn` cannot take a command right now (`reconnecting: connect ECONNREFUSED …`), or undefined when ready. */
export function redisUnavailableReason(conn: Redis): string | undefined {
  if (conn.status === 'ready') return undefined;
  const err = lastErrors.get(conn);
  return err ? `${conn.status}: ${err}` : conn.status;
}

function readyEvent(conn: Redis): Promise<void> {
  let p = nextReady.get(conn);
  if (!p) {
    p = new Promise<void>((resolve) => conn.once('ready', () => resolve()));
    nextReady.set(conn, p);
    void p.then(() => nextReady.delete(conn));
  }
  return p;
}

/**
 * Resolves once `conn` is ready, waiting at most `ms` so a reconnect in progress (a blip, the first connect at
 * boot) is ridden out; otherwise rejects with STATE_UNAVAILABLE naming the reason. Callers that answer a person
 * or Alertmanager use it so they answer "unavailable" in bounded time instead of queueing behind an outage.
 */
export async function whenRedisReady(conn: Redis, ms: number): Promise<void> {
  if (conn.status === 'ready') return;
  if (conn.status === 'end')
    throw new AppError('STATE_UNAVAILABLE', `state Redis connection is closed (${redisUnavailableReason(conn)})`);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new AppError(
            'STATE_UNAVAILABLE',
            `state Redis not reachable within ${ms} ms (${redisUnavailableReason(conn)})`,
          ),
        ),
      ms,
    );
  });
  try {
    await Promise.race([readyEvent(conn), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisProcess, startRedis } from '../../src/devtools/redis-process.js';
import { type Harness, postWebhook, startHarness } from '../support/bot-harness.js';
import { fixture } from '../support/fixtures.js';

interface Payload {
  groupKey: string;
  groupLabels: Record<string, string>;
  alerts: Array<{ labels: Record<string, string>; fingerprint: string }>;
}

/** A notification of group `group` carrying one alert of its own (`pod`), so each one is a real change. */
function notification(group: string, pod: number): string {
  const base = fixture<Payload>('01-RedisOutOfConfiguredMaxmemory-firing.json');
  const alert = base.alerts[0]!;
  return JSON.stringify({
    ...base,
    groupKey: `{}:{alertname="RedisOutOfConfiguredMaxmemory", fleet="${group}"}`,
    groupLabels: { ...base.groupLabels, fleet: group },
    alerts: [
      {
        ...alert,
        labels: { ...alert.labels, instance: `redis-${group}:6379`, pod: `${group}-${pod}` },
        fingerprint: `${group}-${pod}`,
      },
    ],
  });
}

/**
 * Notifications of one alert group contend for its lock. Losing it is normal: the job waits and runs again (not a
 * failed attempt), so every change lands and no job fails, however many times it lost.
 */
describe('alert group lock contention', () => {
  let target: RedisProcess;
  let h: Harness;

  beforeAll(async () => {
    target = await startRedis();
    h = await startHarness({ targetUrl: target.url });
  });
  afterAll(async () => {
    await h?.stop();
    await target?.stop();
  });

  const groupKeyOf = (body: string) => (JSON.parse(body) as Payload).groupKey;
  const failedAlerts = () => h.bot.services.queues.get('alerts').getFailedCount();

  it('applies every change of 16 concurrent notifications of one group, with no failed job', async () => {
    const bodies = Array.from({ length: 16 }, (_, i) => notification('storm', i));
    const answers = await Promise.all(bodies.map((b) => postWebhook(h.url, b)));
    expect(answers.map((a) => a.status)).toEqual(bodies.map(() => 202));
    const results: unknown[] = [];
    for (const a of answers) results.push(await h.waitForJob('alerts', (a.json as { jobId: string }).jobId, 120_000));
    expect(results).toEqual(bodies.map(() => expect.objectContaining({ changes: 1 })));
    expect(await failedAlerts()).toBe(0);
    const incidentId = (await h.bot.services.store.findByGroup(groupKeyOf(bodies[0]!)))!;
    const stored = await h.bot.services.store.listAlerts(incidentId);
    expect(stored.map((a) => a.fingerprint).sort()).toEqual(bodies.map((_, i) => `storm-${i}`).sort());
    expect(h.bot.metrics.value('rib_jobs_total', { queue: 'alerts', result: 'error' })).toBe(0);
  });

  it('still applies a notification that lost the lock nine times in a row', async () => {
    const body = notification('held', 0);
    // Another holder keeps the group's lock, as a long-running job of the same group would.
    const lockKey = `${h.keyPrefix}:lock:group:${createHash('sha256').update(groupKeyOf(body)).digest('hex').slice(0, 24)}`;
    const redis = h.state.client();
    await redis.set(lockKey, 'someone-else', 'PX', 120_000);

    const events = await h.queueEvents('alerts');
    const res = await postWebhook(h.url, body);
    expect(res.status).toBe(202);
    const jobId = (res.json as { jobId: string }).jobId;
    await new Promise<void>((resolve) => {
      let lost = 0;
      const onDelayed = ({ jobId: id }: { jobId: string }) => {
        if (id !== jobId || ++lost < 9) return;
        events.off('delayed', onDelayed);
        resolve();
      };
      events.on('delayed', onDelayed);
    });
    await redis.del(lockKey);

    expect(await h.waitForJob('alerts', jobId, 60_000)).toMatchObject({ changes: 1 });
    expect(await failedAlerts()).toBe(0);
    const incidentId = (await h.bot.services.store.findByGroup(groupKeyOf(body)))!;
    expect((await h.bot.services.store.listAlerts(incidentId)).map((a) => a.fingerprint)).toEqual(['held-0']);
  });
});

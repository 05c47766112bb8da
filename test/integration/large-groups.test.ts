import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_ALERT_MESSAGES } from '../../src/alertmanager/alert-service.js';
import { type RedisProcess, startRedis } from '../../src/devtools/redis-process.js';
import { messageText } from '../../src/devtools/slack-messages.js';
import { ALERTMANAGER_TOKEN, type Harness, postWebhook, startHarness } from '../support/bot-harness.js';
import { fixture, fixtureText } from '../support/fixtures.js';

interface Payload {
  groupKey: string;
  truncatedAlerts: number;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  alerts: Array<{ labels: Record<string, string>; fingerprint: string }>;
}

/**
 * A group of `n` alerts of the captured fixture's shape (one per pod of a fleet), as Alertmanager sends a big group
 * when no `max_alerts` caps it. The instance routes to no target, so the test is about intake, not diagnosis.
 */
function bigGroup(name: string, n: number, truncatedAlerts = 0): Payload {
  const base = fixture<Payload>('01-RedisOutOfConfiguredMaxmemory-firing.json');
  const template = base.alerts[0]!;
  const instance = `redis-${name}:6379`;
  return {
    ...base,
    groupKey: `{}:{alertname="RedisOutOfConfiguredMaxmemory", fleet="${name}"}`,
    truncatedAlerts,
    groupLabels: { alertname: 'RedisOutOfConfiguredMaxmemory', fleet: name },
    commonLabels: { alertname: 'RedisOutOfConfiguredMaxmemory', fleet: name, job: 'redis' },
    alerts: Array.from({ length: n }, (_, i) => ({
      ...template,
      labels: { ...template.labels, instance, fleet: name, pod: `${name}-${i}` },
      fingerprint: `${name}-${i.toString(16).padStart(12, '0')}`,
    })),
  };
}

/** Alertmanager groups far past the old 1,000-alert cap are accepted and stored whole; broken bodies are 400s. */
describe('large alert groups', () => {
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

  const accept = async (payload: Payload) => {
    const body = JSON.stringify(payload);
    const res = await postWebhook(h.url, body);
    expect(res.status, JSON.stringify(res.json).slice(0, 300)).toBe(202);
    await h.waitForJob('alerts', (res.json as { jobId: string }).jobId, 120_000);
    const incidentId = await h.bot.services.store.findByGroup(payload.groupKey);
    expect(incidentId).toBeDefined();
    return { incidentId: incidentId!, bytes: Buffer.byteLength(body) };
  };

  it('accepts a 1,001-alert group and stores every alert', async () => {
    const group = bigGroup('fleet-a', 1001);
    const { incidentId } = await accept(group);
    const stored = await h.bot.services.store.listAlerts(incidentId);
    expect(new Set(stored.map((a) => a.fingerprint))).toEqual(new Set(group.alerts.map((a) => a.fingerprint)));
  });

  it('accepts a 5,000-alert group (several MB), stores every alert, and sums up the rest in one message', async () => {
    const group = bigGroup('fleet-b', 5000, 250);
    const { incidentId, bytes } = await accept(group);
    expect(bytes).toBeGreaterThan(1024 * 1024);
    const stored = await h.bot.services.store.listAlerts(incidentId);
    expect(stored).toHaveLength(5000);
    expect(stored.every((a) => a.status === 'firing')).toBe(true);

    const events = await h.bot.services.timeline.read(incidentId);
    expect(events.filter((e) => e.type === 'alert.fired')).toHaveLength(5000);
    expect(events.filter((e) => e.type === 'alert.truncated')).toEqual([
      expect.objectContaining({ data: { truncatedAlerts: 250 } }),
    ]);

    const incident = await h.bot.services.store.require(incidentId);
    const thread = h.slack.threads().find((t) => t.root.ts === incident.threadTs)!;
    expect(messageText(thread.root)).toContain('5000 firing');
    // One message per change up to the cap, then one summary, not 5,000 posts.
    expect(thread.replies).toHaveLength(MAX_ALERT_MESSAGES + 1);
    const summary = messageText(thread.replies.at(-1)!);
    expect(summary).toContain(`${(5000 - MAX_ALERT_MESSAGES).toLocaleString('en-US')} more alert changes`);
    expect(summary).toContain('left 250 more alerts of this group out');
  });

  it('answers 400 naming the body for a body that is not UTF-8, and changes nothing', async () => {
    const text = fixtureText('01-RedisOutOfConfiguredMaxmemory-firing.json');
    const at = text.indexOf('redis-cache-1');
    // Latin-1 "é" (0xE9) where UTF-8 wants a multi-byte sequence.
    const body = Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from([0xe9]), Buffer.from(text.slice(at))]);
    const res = await fetch(`${h.url}/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ALERTMANAGER_TOKEN}` },
      body,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      errors: [{ field: '(body)', message: expect.stringMatching(/not valid UTF-8/) }],
    });
  });
});

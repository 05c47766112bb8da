import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisProcess, startRedis } from '../../src/devtools/redis-process.js';
import { messageText } from '../../src/devtools/slack-messages.js';
import { postSigned, signSlackRequest, slashCommandBody } from '../../src/devtools/slack-signer.js';
import { MAX_BODY_BYTES } from '../../src/http/read-body.js';
import { CHANNEL, type Harness, postWebhook, SIGNING_SECRET, startHarness } from '../support/bot-harness.js';
import { fixture, fixtureText } from '../support/fixtures.js';

/** The HTTP edge's contract (DESIGN.md): status codes, error bodies, health and metrics; the process stays up. */
describe('HTTP edge', () => {
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

  it('answers /healthz and /readyz', async () => {
    const health = await fetch(`${h.url}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${h.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ready',
      checks: { redis: 'ok', runbooks: expect.stringMatching(/^\d+ loaded$/) },
    });
  });

  it('refuses a webhook without or with a wrong bearer token (401)', async () => {
    const body = fixtureText('01-RedisOutOfConfiguredMaxmemory-firing.json');
    expect((await postWebhook(h.url, body, '')).status).toBe(401);
    expect((await postWebhook(h.url, body, 'not-the-token')).status).toBe(401);
  });

  it('answers 400 naming each invalid field', async () => {
    const bad = fixture<{ alerts: Array<Record<string, unknown>>; groupKey?: string; version: string }>(
      '01-RedisOutOfConfiguredMaxmemory-firing.json',
    );
    bad.alerts[0]!.status = 'burning';
    delete bad.groupKey;
    const res = await postWebhook(h.url, JSON.stringify(bad));
    expect(res.status).toBe(400);
    const fields = (res.json as { errors: Array<{ field: string }> }).errors.map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['alerts.0.status', 'groupKey']));
    const notJson = await postWebhook(h.url, '{"receiver": ');
    expect(notJson.status).toBe(400);
    expect(notJson.json).toMatchObject({ errors: [{ field: '(body)' }] });
  });

  it('answers 413 for a body over the 10 MiB limit', async () => {
    const res = await postWebhook(h.url, `{"pad":"${'x'.repeat(MAX_BODY_BYTES)}"}`);
    expect(res.status).toBe(413);
  });

  it('refuses forged, stale and future-dated Slack requests (401) and accepts a signed one', async () => {
    const body = slashCommandBody({ command: '/incident', text: 'help', user_id: 'U0ALICE', channel_id: CHANNEL });
    expect((await postSigned(`${h.url}/slack/events`, 'wrong-secret', body)).status).toBe(401);
    const now = Math.floor(Date.now() / 1000);
    expect((await postSigned(`${h.url}/slack/events`, SIGNING_SECRET, body, { timestamp: now - 600 })).status).toBe(
      401,
    );
    expect((await postSigned(`${h.url}/slack/events`, SIGNING_SECRET, body, { timestamp: now + 3600 })).status).toBe(
      401,
    );
    // a body altered after signing
    const headers = signSlackRequest(SIGNING_SECRET, body);
    const tampered = await fetch(`${h.url}/slack/events`, {
      method: 'POST',
      headers,
      body: body.replace('help', 'export'),
    });
    expect(tampered.status).toBe(401);
    const ok = await postSigned(`${h.url}/slack/events`, SIGNING_SECRET, body);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text)).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('/incident timeline'),
    });
  });

  it('answers unknown /incident input privately with usage', async () => {
    const res = await postSigned(
      `${h.url}/slack/events`,
      SIGNING_SECRET,
      slashCommandBody({ command: '/incident', text: 'launch rockets', user_id: 'U0ALICE', channel_id: CHANNEL }),
    );
    expect(res.status).toBe(200);
    const reply = JSON.parse(res.text) as { response_type: string; text: string };
    expect(reply.response_type).toBe('ephemeral');
    expect(reply.text).toContain('unknown subcommand "launch"');
    expect(reply.text).toContain('Usage');
  });

  it('opens a thread saying so for an alert that routes to no known target', async () => {
    const unknown = fixtureText('02-RedisDown-firing.json');
    const res = await postWebhook(h.url, unknown);
    expect(res.status).toBe(202);
    await h.waitForJob('alerts', (res.json as { jobId: string }).jobId);
    const thread = h.slack
      .threads()
      .find((t) => messageText(t.root).includes('RedisDown') || messageText(t.root).toLowerCase().includes('down'));
    expect(thread).toBeDefined();
    expect(messageText(thread!.root)).toMatch(/no known target for instance=redis-session-1:6379/);
  });

  it('exports Prometheus metrics with webhook outcomes', async () => {
    const res = await fetch(`${h.url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/rib_webhooks_total\{result="unauthorized"\} 2/);
    expect(text).toMatch(/rib_webhooks_total\{result="invalid"\} 2/);
    expect(text).toMatch(/rib_webhooks_total\{result="too_large"\} 1/);
    expect(text).toMatch(/rib_queue_jobs\{queue="alerts",state="failed"\} 0/);
  });
});

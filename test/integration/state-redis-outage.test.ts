import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisProcess, startRedis } from '../../src/devtools/redis-process.js';
import { blockActionBody, postSigned, slashCommandBody } from '../../src/devtools/slack-signer.js';
import { waitUntil } from '../../src/devtools/wait-until.js';
import { STATE_STORE_UNAVAILABLE } from '../../src/slack/transport/replay-guard.js';
import { APPROVER, CHANNEL, type Harness, postWebhook, SIGNING_SECRET, startHarness } from '../support/bot-harness.js';
import { fixtureText } from '../support/fixtures.js';

/** Upper bounds only: the edge must answer by then (Alertmanager and Slack give up soon after). */
const WEBHOOK_ANSWER_MS = 2500;
const SLACK_ANSWER_MS = 3000;

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await work;
  return { value, ms: performance.now() - t0 };
}

/**
 * The state Redis goes away under a running bot (killed, then hung with SIGSTOP): the web edge answers in bounded
 * time, 503 to Alertmanager so it retries, a private "unavailable" to Slack users, and `/readyz` says why; once the
 * Redis is back the same process accepts and processes work again.
 */
describe('state Redis outage at the web edge', () => {
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

  const slash = (text: string) =>
    postSigned(
      `${h.url}/slack/events`,
      SIGNING_SECRET,
      slashCommandBody({ command: '/incident', text, user_id: APPROVER, channel_id: CHANNEL }),
    );
  const readyAgain = () =>
    waitUntil(async () => (await fetch(`${h.url}/readyz`)).status === 200, {
      what: '/readyz to answer 200 again',
      timeoutMs: 20_000,
    });

  it('killed: 503 within the deadline, /readyz explains, Slack users are told; restarted: 202 and processed', async () => {
    const body = fixtureText('01-RedisOutOfConfiguredMaxmemory-firing.json');
    const before = await postWebhook(h.url, body);
    expect(before.status).toBe(202);
    await h.waitForJob('alerts', (before.json as { jobId: string }).jobId);

    await h.state.kill();

    const webhook = await timed(postWebhook(h.url, body));
    expect(webhook.value.status).toBe(503);
    expect(webhook.ms).toBeLessThan(WEBHOOK_ANSWER_MS);
    expect(webhook.value.json).toMatchObject({ error: expect.stringMatching(/could not queue the notification/) });

    const ready = await timed(fetch(`${h.url}/readyz`));
    expect(ready.value.status).toBe(503);
    expect(ready.ms).toBeLessThan(WEBHOOK_ANSWER_MS);
    expect(await ready.value.json()).toMatchObject({
      ready: false,
      status: 'not ready',
      checks: {
        redis: expect.stringMatching(/^unreachable .*ECONNREFUSED/),
        runbooks: expect.stringMatching(/loaded/),
      },
    });

    const command = await timed(slash('status'));
    expect(command.value.status).toBe(200);
    expect(command.ms).toBeLessThan(SLACK_ANSWER_MS);
    expect(JSON.parse(command.value.text)).toMatchObject({ response_type: 'ephemeral', text: STATE_STORE_UNAVAILABLE });

    const click = await timed(
      postSigned(
        `${h.url}/slack/events`,
        SIGNING_SECRET,
        blockActionBody({
          actionId: 'proposal_approve',
          value: 'P-inc-1-0000',
          userId: APPROVER,
          channel: CHANNEL,
          messageTs: '1700000000.000200',
          threadTs: '1700000000.000100',
        }),
      ),
    );
    expect(click.value.status).toBe(200);
    expect(click.ms).toBeLessThan(SLACK_ANSWER_MS);
    const told = await h.slack.waitFor(() => h.slack.ephemerals().find((m) => m.ephemeralTo === APPROVER), {
      what: 'the clicker told the state store is unavailable',
    });
    expect(told.text).toBe(STATE_STORE_UNAVAILABLE);

    await h.state.restart();
    await readyAgain();
    const after = await postWebhook(h.url, body);
    expect(after.status).toBe(202);
    expect(await h.waitForJob('alerts', (after.json as { jobId: string }).jobId)).toMatchObject({ changes: 1 });
  });

  it('hung (SIGSTOP): 503 and "unavailable" within the deadline; resumed: 202 and processed', async () => {
    await readyAgain();
    const body = fixtureText('03-RedisTooManyConnections-firing.json');
    process.kill(h.state.pid, 'SIGSTOP');
    try {
      const webhook = await timed(postWebhook(h.url, body));
      expect(webhook.value.status).toBe(503);
      expect(webhook.ms).toBeLessThan(WEBHOOK_ANSWER_MS);

      const ready = await timed(fetch(`${h.url}/readyz`));
      expect(ready.value.status).toBe(503);
      expect(ready.ms).toBeLessThan(WEBHOOK_ANSWER_MS);
      expect(await ready.value.json()).toMatchObject({ checks: { redis: expect.stringMatching(/^unreachable/) } });

      const command = await timed(slash('status'));
      expect(command.ms).toBeLessThan(SLACK_ANSWER_MS);
      expect(JSON.parse(command.value.text)).toMatchObject({ text: STATE_STORE_UNAVAILABLE });
    } finally {
      process.kill(h.state.pid, 'SIGCONT');
    }
    await readyAgain();
    const after = await postWebhook(h.url, body);
    expect(after.status).toBe(202);
    await h.waitForJob('alerts', (after.json as { jobId: string }).jobId);
  });
});

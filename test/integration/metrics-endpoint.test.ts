import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPROVE_ACTION_ID } from '../../src/blocks/proposal.js';
import { type PromFamily, parsePrometheusText } from '../../src/devtools/prometheus-text.js';
import { type RedisProcess, startRedis } from '../../src/devtools/redis-process.js';
import { blockActionBody, postSigned, slashCommandBody } from '../../src/devtools/slack-signer.js';
import { waitUntil } from '../../src/devtools/wait-until.js';
import { APPROVER, CHANNEL, type Harness, postWebhook, SIGNING_SECRET, startHarness } from '../support/bot-harness.js';
import { fixtureText } from '../support/fixtures.js';

/** `/metrics` on the running bot: prom-client's text, every documented family, figures that follow what happened. */
describe('GET /metrics', () => {
  let target: RedisProcess;
  let h: Harness;
  let families: Map<string, PromFamily>;

  const sample = (family: string, name: string, labels: Record<string, string> = {}) =>
    families
      .get(family)
      ?.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

  beforeAll(async () => {
    target = await startRedis();
    h = await startHarness({ targetUrl: target.url });
    const events = `${h.url}/slack/events`;
    const slash = await postSigned(
      events,
      SIGNING_SECRET,
      slashCommandBody({ command: '/incident', text: 'status', user_id: APPROVER, channel_id: CHANNEL }),
    );
    expect(slash.status).toBe(200);
    const click = await postSigned(
      events,
      SIGNING_SECRET,
      blockActionBody({
        actionId: APPROVE_ACTION_ID,
        value: 'not-a-proposal',
        userId: APPROVER,
        channel: CHANNEL,
        messageTs: '1.1',
      }),
    );
    expect(click.status).toBe(200);
    const res = await postWebhook(h.url, fixtureText('01-RedisOutOfConfiguredMaxmemory-firing.json'));
    expect(res.status).toBe(202);
    await h.waitForJob('alerts', (res.json as { jobId: string }).jobId);
    // The root card's first post binds the thread: that is where webhook → thread is observed.
    await waitUntil(async () => Boolean((await h.bot.services.store.listOpen())[0]?.threadTs), {
      what: 'the incident thread',
      timeoutMs: 30_000,
    });
    const scrape = await fetch(`${h.url}/metrics`);
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toContain('text/plain');
    families = parsePrometheusText(await scrape.text());
  });

  afterAll(async () => {
    await h?.stop();
    await target?.stop();
  });

  it('keeps the counters README documents, with their labels', () => {
    expect(families.get('rib_webhooks_total')?.type).toBe('counter');
    expect(sample('rib_webhooks_total', 'rib_webhooks_total', { result: 'accepted' })).toBe(1);
    expect(sample('rib_jobs_total', 'rib_jobs_total', { queue: 'alerts', result: 'ok' })).toBe(1);
    expect(families.get('rib_slack_requests_ignored_total')?.type).toBe('counter');
    expect(sample('rib_queue_jobs', 'rib_queue_jobs', { queue: 'alerts', state: 'failed' })).toBe(0);
    expect(sample('rib_incidents_open', 'rib_incidents_open')).toBe(1);
  });

  it('has ack latency by kind, job durations by queue and Slack calls by method and result', () => {
    expect(families.get('rib_slack_ack_seconds')?.type).toBe('histogram');
    expect(sample('rib_slack_ack_seconds', 'rib_slack_ack_seconds_count', { kind: 'slash' })).toBe(1);
    expect(sample('rib_slack_ack_seconds', 'rib_slack_ack_seconds_count', { kind: 'click' })).toBe(1);
    expect(
      sample('rib_job_duration_seconds', 'rib_job_duration_seconds_count', { queue: 'alerts', result: 'ok' }),
    ).toBe(1);
    expect(
      sample('rib_slack_api_calls_total', 'rib_slack_api_calls_total', { method: 'chat.postMessage', result: 'ok' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample('rib_slack_api_call_seconds', 'rib_slack_api_call_seconds_count', { method: 'chat.postMessage' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('observes webhook → thread once, for the incident the webhook opened', () => {
    const w2t = 'rib_webhook_to_thread_seconds';
    expect(sample(w2t, `${w2t}_count`)).toBe(1);
    expect(sample(w2t, `${w2t}_sum`)).toBeGreaterThan(0);
  });

  it('declares the other histograms and default process metrics', () => {
    for (const name of ['rib_scan_keys_per_second', 'rib_probe_duration_seconds']) {
      expect(families.get(name)?.type, name).toBe('histogram');
    }
    expect(sample('process_resident_memory_bytes', 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(families.get('nodejs_eventloop_lag_p99_seconds')?.type).toBe('gauge');
  });
});

import { describe, expect, it } from 'vitest';
import { parsePrometheusText } from '../../../src/devtools/prometheus-text.js';
import { Metrics } from '../../../src/kernel/metrics.js';

const scrape = async (m: Metrics) => parsePrometheusText(await m.render());

describe('Metrics (prom-client)', () => {
  it('exports every catalogued metric with its type, and default process metrics, in text that parses', async () => {
    const families = await scrape(new Metrics());
    const types = Object.fromEntries([...families.values()].map((f) => [f.name, f.type]));
    expect(types).toMatchObject({
      rib_webhooks_total: 'counter',
      rib_jobs_total: 'counter',
      rib_slack_requests_ignored_total: 'counter',
      rib_slack_deliveries_total: 'counter',
      rib_slack_api_calls_total: 'counter',
      rib_metrics_collect_errors_total: 'counter',
      rib_webhook_to_thread_seconds: 'histogram',
      rib_slack_ack_seconds: 'histogram',
      rib_job_duration_seconds: 'histogram',
      rib_slack_api_call_seconds: 'histogram',
      rib_scan_keys_per_second: 'histogram',
      rib_probe_duration_seconds: 'histogram',
      process_cpu_seconds_total: 'counter',
      process_resident_memory_bytes: 'gauge',
      nodejs_eventloop_lag_seconds: 'gauge',
    });
    for (const f of families.values()) expect(f.help, f.name).not.toBe('');
  });

  it('counts per label set whatever the order of the labels, under the names README documents', async () => {
    const m = new Metrics({ defaultMetrics: false });
    m.inc('rib_webhooks_total', { result: 'accepted' });
    m.inc('rib_webhooks_total', { result: 'accepted' }, 2);
    m.inc('rib_slack_deliveries_total', { result: 'ok', method: 'chat.postMessage' });
    expect(m.value('rib_webhooks_total', { result: 'accepted' })).toBe(3);
    expect(m.value('rib_slack_deliveries_total', { method: 'chat.postMessage', result: 'ok' })).toBe(1);
    expect(m.value('rib_webhooks_total', { result: 'invalid' })).toBe(0);
    const f = await scrape(m);
    expect(f.get('rib_webhooks_total')?.samples).toEqual([
      { name: 'rib_webhooks_total', labels: { result: 'accepted' }, value: 3 },
    ]);
    expect(() => m.inc('rib_webhooks_total', { nope: 'x' })).toThrow();
    expect(() => m.inc('unknown_total')).toThrow(/undeclared counter/);
  });

  it('records jobs, acks, Slack calls, scans and webhook → thread as labelled histograms', async () => {
    const m = new Metrics({ defaultMetrics: false });
    m.job('alerts', 'ok', 0.02);
    m.job('alerts', 'error', 3);
    m.ack.observe({ kind: 'slash' }, 0.004);
    m.slackCall('chat.postMessage', 'ok', 0.05);
    m.slackCall('chat.postMessage', 'rate_limited', 0.01);
    m.scanPace.observe({ probe: 'largest-keys' }, 80_000);
    m.webhookToThread.observe(1.5);
    const f = await scrape(m);
    const sample = (family: string, name: string, labels: Record<string, string>) =>
      f.get(family)?.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
        ?.value;
    const jobs = 'rib_job_duration_seconds';
    expect(sample(jobs, `${jobs}_count`, { queue: 'alerts', result: 'ok' })).toBe(1);
    expect(sample(jobs, `${jobs}_count`, { queue: 'alerts', result: 'error' })).toBe(1);
    expect(m.value('rib_jobs_total', { queue: 'alerts', result: 'ok' })).toBe(1);
    const ack = 'rib_slack_ack_seconds';
    expect(sample(ack, `${ack}_count`, { kind: 'slash' })).toBe(1);
    expect(sample(ack, `${ack}_bucket`, { kind: 'slash', le: '0.005' })).toBe(1);
    expect(sample(ack, `${ack}_bucket`, { kind: 'slash', le: '0.0025' })).toBe(0);
    expect(m.value('rib_slack_api_calls_total', { method: 'chat.postMessage', result: 'rate_limited' })).toBe(1);
    const calls = 'rib_slack_api_call_seconds';
    expect(sample(calls, `${calls}_count`, { method: 'chat.postMessage' })).toBe(2);
    const scan = 'rib_scan_keys_per_second';
    expect(sample(scan, `${scan}_count`, { probe: 'largest-keys' })).toBe(1);
    const w2t = 'rib_webhook_to_thread_seconds';
    expect(sample(w2t, `${w2t}_count`, {})).toBe(1);
    expect(sample(w2t, `${w2t}_sum`, {})).toBe(1.5);
  });

  it('observes webhook → thread for incidents an alert group opened, not for ones opened by hand', async () => {
    const m = new Metrics({ defaultMetrics: false });
    const now = Date.parse('2026-03-01T10:00:02.500Z');
    m.threadOpened({ createdAt: '2026-03-01T10:00:00.000Z', groupKey: '{}:{alertname="RedisDown"}' }, now);
    m.threadOpened({ createdAt: '2026-03-01T10:00:00.000Z', groupKey: '' }, now);
    m.threadOpened({ createdAt: 'not a date', groupKey: 'g' }, now);
    const w2t = (await scrape(m)).get('rib_webhook_to_thread_seconds');
    expect(w2t?.samples.find((s) => s.name.endsWith('_count'))?.value).toBe(1);
    expect(w2t?.samples.find((s) => s.name.endsWith('_sum'))?.value).toBe(2.5);
  });

  it('reads a gauge source once per scrape, lazily, for all of its gauges', async () => {
    const m = new Metrics({ defaultMetrics: false });
    let reads = 0;
    m.gaugeSource(
      'outbox',
      [
        { name: 'g_backlog', help: 'backlog', labelNames: ['kind'] },
        { name: 'g_dead', help: 'dead' },
      ],
      async () => {
        reads += 1;
        return [
          { name: 'g_backlog', values: [{ labels: { kind: 'post' }, value: reads * 10 }] },
          { name: 'g_dead', values: [{ labels: {}, value: reads }] },
        ];
      },
    );
    expect(reads).toBe(0);
    let f = await scrape(m);
    expect(reads).toBe(1);
    expect(f.get('g_backlog')).toMatchObject({ type: 'gauge', samples: [{ labels: { kind: 'post' }, value: 10 }] });
    f = await scrape(m);
    expect(reads).toBe(2);
    expect(f.get('g_dead')?.samples[0]?.value).toBe(2);
  });

  it('lets a gauge be declared again, the newest source reading it', async () => {
    const m = new Metrics({ defaultMetrics: false });
    m.gaugeSource('a', [{ name: 'g_x', help: 'x' }], async () => [{ name: 'g_x', values: [{ labels: {}, value: 1 }] }]);
    m.gaugeSource('b', [{ name: 'g_x', help: 'x' }], async () => [{ name: 'g_x', values: [{ labels: {}, value: 2 }] }]);
    expect((await scrape(m)).get('g_x')?.samples).toEqual([{ name: 'g_x', labels: {}, value: 2 }]);
  });

  it('keeps the last reading and counts the failure when a source fails; the scrape still answers', async () => {
    const m = new Metrics({ defaultMetrics: false });
    let fail = false;
    m.gaugeSource('incidents', [{ name: 'g_open', help: 'open' }], async () => {
      if (fail) throw new Error('state redis away');
      return [{ name: 'g_open', values: [{ labels: {}, value: 7 }] }];
    });
    expect((await scrape(m)).get('g_open')?.samples[0]?.value).toBe(7);
    fail = true;
    const f = await scrape(m);
    expect(f.get('g_open')?.samples[0]?.value).toBe(7);
    expect(m.value('rib_metrics_collect_errors_total', { source: 'incidents' })).toBe(1);
    // The failure is counted while that scrape renders; the next one shows it.
    fail = false;
    expect((await scrape(m)).get('rib_metrics_collect_errors_total')?.samples).toEqual([
      { name: 'rib_metrics_collect_errors_total', labels: { source: 'incidents' }, value: 1 },
    ]);
  });
});

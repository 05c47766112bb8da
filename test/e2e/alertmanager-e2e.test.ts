import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AlertmanagerProcess, startAlertmanager } from '../../src/devtools/alertmanager-process.js';
import { applyMemoryPressure, PLANTED_KEY } from '../../src/devtools/memory-pressure.js';
import { type RedisProcess, startRedis } from '../../src/devtools/redis-process.js';
import { approveButtonValue, messageText } from '../../src/devtools/slack-messages.js';
import { blockActionBody, postSigned } from '../../src/devtools/slack-signer.js';
import {
  ALERTMANAGER_TOKEN,
  APPROVER,
  CHANNEL,
  type Harness,
  SIGNING_SECRET,
  startHarness,
} from '../support/bot-harness.js';

/**
 * A real Alertmanager 0.25 (Debian's prometheus-alertmanager) → the bot → a real target redis-server → the Slack
 * stand-in. Alertmanager repeats notifications every few seconds here, so the dedupe is exercised by the real thing.
 */
describe('e2e: real Alertmanager drives the bot', () => {
  let target: RedisProcess;
  let h: Harness;
  let am: AlertmanagerProcess;
  const instance = 'redis-cache-7:6379';
  const labels = { alertname: 'RedisOutOfConfiguredMaxmemory', instance, job: 'redis', severity: 'critical' };
  const startsAt = new Date().toISOString();

  beforeAll(async () => {
    target = await startRedis();
    await applyMemoryPressure(target.client(), { usedPct: 95 });
    h = await startHarness({ targetUrl: target.url, instance });
    am = await startAlertmanager({
      webhookUrl: `${h.url}/alertmanager`,
      token: ALERTMANAGER_TOKEN,
      groupWait: '1s',
      groupInterval: '2s',
      repeatInterval: '3s',
    });
  });
  afterAll(async () => {
    await am?.stop();
    await h?.stop();
    await target?.stop();
  });

  it('turns a firing alert into one thread with findings naming the big key, even across repeats', async () => {
    await am.postAlerts([
      {
        labels,
        annotations: {
          summary: `Redis out of configured maxmemory (instance ${instance})`,
          description: 'VALUE = 95 > 90',
        },
        startsAt,
        generatorURL: 'http://prometheus.example:9090/graph?g0.expr=redis',
      },
    ]);
    const findings = await h.slack.waitFor(
      () => h.slack.messages().find((m) => m.threadTs && m.text.startsWith('Diagnosis')),
      { what: 'findings from the Alertmanager notification', timeoutMs: 30_000 },
    );
    expect(messageText(findings)).toContain(PLANTED_KEY);
    expect(messageText(findings)).toMatch(/Memory at 9\d(\.\d+)?% of the limit/);
    // repeat_interval 3s: wait until Alertmanager has notified at least twice more, then there is still one thread.
    await h.waitForCompleted('alerts', 3, 30_000);
    expect(h.bot.metrics.value('rib_webhooks_total', { result: 'accepted' })).toBeGreaterThanOrEqual(3);
    expect(h.slack.threads()).toHaveLength(1);
    expect(h.slack.threads()[0]!.root.channel).toBe(CHANNEL);
  });

  it('runs an approved fix from the thread and shows the resolution on the card', async () => {
    const proposal = await h.slack.waitFor(
      () => h.slack.messages().find((m) => approveButtonValue(m) && /CONFIG SET maxmemory \d/.test(m.text)),
      {
        what: 'maxmemory proposal',
      },
    );
    const id = approveButtonValue(proposal)!;
    const root = h.slack.threads()[0]!.root;
    const res = await postSigned(
      `${h.url}/slack/events`,
      SIGNING_SECRET,
      blockActionBody({
        actionId: 'proposal_approve',
        value: id,
        userId: APPROVER,
        channel: CHANNEL,
        messageTs: proposal.ts,
        threadTs: root.ts,
      }),
    );
    expect(res.status).toBe(200);
    expect(await h.waitForJob('remediations', id)).toBe('executed');
    const stored = await h.bot.services.proposals.require(id);
    const { toBytes } = JSON.parse(stored.params) as { toBytes: number };
    expect(Number((await target.client().config('GET', 'maxmemory'))[1])).toBe(toBytes);

    await am.postAlerts([{ labels, startsAt, endsAt: new Date().toISOString() }]);
    await h.slack.waitFor(
      () =>
        /\*Status\*\n:white_check_mark: resolved/.test(messageText(h.slack.messages().find((m) => m.ts === root.ts)!)),
      {
        what: 'card showing resolved',
        timeoutMs: 30_000,
      },
    );
    const incidentId = (await h.bot.services.store.findByThread(CHANNEL, root.ts))!;
    expect((await h.bot.services.store.require(incidentId)).status).toBe('resolved');
    expect(h.slack.threads()).toHaveLength(1);
  });
});

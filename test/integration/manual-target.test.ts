import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisProcess, startRedis } from '../../src/devtools/redis-process.js';
import { messageText } from '../../src/devtools/slack-messages.js';
import { postSigned, slashCommandBody } from '../../src/devtools/slack-signer.js';
import { APPROVER, CHANNEL, type Harness, postWebhook, SIGNING_SECRET, startHarness } from '../support/bot-harness.js';
import { fixtureText } from '../support/fixtures.js';

const OTHER_CHANNEL = 'C0ELSEWHERE';
const SESSIONS_CHANNEL = 'C0SESSIONS';

/**
 * `/incident new … --target`, signed as Slack sends it: the incident is the target's, so alerts and `/redis diag`
 * for it join it under the alert rules; `/redis diag <target>` without a runbook runs the target's default.
 */
describe('manual incidents with a target; the default runbook', () => {
  let cache: RedisProcess;
  let sessions: RedisProcess;
  let h: Harness;
  let id: string;

  const slash = async (command: '/incident' | '/redis', text: string, channel = CHANNEL) => {
    const res = await postSigned(
      `${h.url}/slack/events`,
      SIGNING_SECRET,
      slashCommandBody({ command, text, user_id: APPROVER, channel_id: channel }),
    );
    expect(res.status).toBe(200);
    const body = JSON.parse(res.text) as { response_type: string; text: string };
    expect(body.response_type).toBe('ephemeral');
    return body.text;
  };
  const diagnoses = async (incidentId: string) =>
    (await h.bot.services.timeline.read(incidentId))
      .filter((e) => e.type === 'diagnosis.started')
      .map((e) => e.data.runbook);

  beforeAll(async () => {
    [cache, sessions] = await Promise.all([startRedis(), startRedis()]);
    h = await startHarness({
      targetUrl: cache.url,
      extraTargets: [
        {
          name: 'sessions-1',
          url: sessions.url,
          instance: 'redis-sessions-1:6379',
          channel: SESSIONS_CHANNEL,
          defaultRunbook: 'latency-spike',
        },
      ],
    });
  });
  afterAll(async () => {
    await h?.stop();
    await cache?.stop();
    await sessions?.stop();
  });

  it('refuses an unknown target privately, naming the known ones, and opens nothing', async () => {
    expect(await slash('/incident', 'new Checkout slow --target cache-9')).toBe(
      'No target `cache-9`; nothing was opened. Known targets: `cache-1`, `sessions-1`.',
    );
    expect(await h.bot.services.store.listOpen()).toEqual([]);
    expect(h.slack.messages()).toEqual([]);
  });

  it('opens an incident for the target, in the target’s channel when it has one', async () => {
    const ack = await slash('/incident', 'new Checkout slow --target cache-1');
    id = /INC-\d+/.exec(ack)?.[0] ?? '';
    expect(ack).toBe(`Opening ${id} for \`cache-1\` in <#${CHANNEL}>, you as commander.`);
    const root = await h.slack.waitFor(() => h.slack.threads().find((t) => t.root.text.startsWith(`${id} `))?.root, {
      what: 'card',
    });
    expect(messageText(root)).toContain('*Target*\n`cache-1`');
    expect(messageText(root)).toContain(`${id} Checkout slow`);
    expect((await h.bot.services.store.require(id)).target).toBe('cache-1');

    const other = await slash('/incident', 'new Sessions dropping --target sessions-1');
    expect(other).toMatch(new RegExp(`^Opening INC-\\d+ for \`sessions-1\` in <#${SESSIONS_CHANNEL}>`));
    const otherId = /INC-\d+/.exec(other)?.[0] ?? '';
    await h.slack.waitFor(() => h.slack.threads().find((t) => t.root.text.startsWith(`${otherId} `)), {
      what: 'sessions card',
    });
    expect((await h.bot.services.store.require(otherId)).channel).toBe(SESSIONS_CHANNEL);
  });

  it('an alert group for the target joins it instead of opening another thread', async () => {
    const threads = h.slack.threads().length;
    const res = await postWebhook(h.url, fixtureText('01-RedisOutOfConfiguredMaxmemory-firing.json'));
    await h.waitForJob('alerts', (res.json as { jobId: string }).jobId);
    expect(h.slack.threads()).toHaveLength(threads);
    const alerts = await h.bot.services.store.listAlerts(id);
    expect(alerts.map((a) => a.alertname)).toEqual(['RedisOutOfConfiguredMaxmemory']);
    const events = await h.bot.services.timeline.read(id);
    expect(events.find((e) => e.type === 'alert.grouped')?.text).toContain('same target cache-1');
  });

  it('/redis diag <target> from another channel joins it too, and runs overview when no runbook is named', async () => {
    const ack = await slash('/redis', 'diag cache-1', OTHER_CHANNEL);
    expect(ack).toBe(`Running Overview on \`cache-1\`; findings go to the thread of ${id} in <#${CHANNEL}>.`);
    const incident = await h.bot.services.store.require(id);
    await h.slack.waitFor(
      () =>
        h.slack
          .messages()
          .find((m) => m.threadTs === incident.threadTs && m.text.startsWith('Diagnosis Overview on cache-1')),
      { what: 'overview findings in the thread' },
    );
    expect((await diagnoses(id)).filter((r) => r === 'overview')).toHaveLength(1);
    expect(await h.bot.services.store.listOpen()).toHaveLength(2); // no on-demand incident was opened
  });

  it("a target's defaultRunbook is what /redis diag <target> runs", async () => {
    const open = await h.bot.services.store.listOpen();
    const sessionsIncident = open.find((i) => i.target === 'sessions-1')!;
    expect(await slash('/redis', 'diag sessions-1')).toBe(
      `Running Latency spike on \`sessions-1\`; findings go to the thread of ${sessionsIncident.id} in <#${SESSIONS_CHANNEL}>.`,
    );
    await h.slack.waitFor(
      () =>
        h.slack
          .messages()
          .find(
            (m) =>
              m.threadTs === sessionsIncident.threadTs && m.text.startsWith('Diagnosis Latency spike on sessions-1'),
          ),
      { what: 'latency-spike findings in the thread' },
    );
    expect(await diagnoses(sessionsIncident.id)).toEqual(['latency-spike']);
  });

  it('stays open when the alerts that joined it resolve: its commander closes it', async () => {
    const res = await postWebhook(h.url, fixtureText('09-RedisOutOfConfiguredMaxmemory-resolved.json'));
    await h.waitForJob('alerts', (res.json as { jobId: string }).jobId);
    const incident = await h.bot.services.store.require(id);
    expect(incident.status).toBe('open');
    expect((await h.bot.services.store.listAlerts(id)).map((a) => a.status)).toEqual(['resolved']);
    expect(await slash('/incident', `resolve ${id} pool fixed`)).toBe(`Resolving ${id}…`);
    await h.slack.waitFor(
      () =>
        /\*Status\*\n:white_check_mark: resolved/.test(
          messageText(h.slack.messages().find((m) => m.ts === incident.threadTs)!),
        ) || undefined,
      { what: 'card resolved by hand' },
    );
    expect((await h.bot.services.store.require(id)).status).toBe('resolved');
  });
});

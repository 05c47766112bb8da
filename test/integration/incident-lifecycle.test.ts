import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMemoryPressure } from '../../src/devtools/memory-pressure.js';
import { type RedisProcess, startRedis } from '../../src/devtools/redis-process.js';
import { approveButtonValue, messageText } from '../../src/devtools/slack-messages.js';
import { blockActionBody, postSigned, slashCommandBody } from '../../src/devtools/slack-signer.js';
import type { StandInMessage } from '../../src/devtools/slack-stand-in.js';
import { waitUntil } from '../../src/devtools/wait-until.js';
import {
  APPROVER,
  CHANNEL,
  type Harness,
  OTHER_APPROVER,
  postWebhook,
  SIGNING_SECRET,
  startHarness,
} from '../support/bot-harness.js';
import { fixtureText } from '../support/fixtures.js';

/** `/incident` and `/redis` through signed slash commands, a live card, grouping, the JSON export. */
describe('incident lifecycle in Slack', () => {
  let target: RedisProcess;
  let h: Harness;
  const PASSWORD = 's3cret-target-pw';

  /** Runs a slash command as `user` and returns the private ack text. */
  const slash = async (command: '/incident' | '/redis', text: string, user = APPROVER, channel = CHANNEL) => {
    const res = await postSigned(
      `${h.url}/slack/events`,
      SIGNING_SECRET,
      slashCommandBody({ command, text, user_id: user, channel_id: channel }),
    );
    expect(res.status).toBe(200);
    const body = JSON.parse(res.text) as { response_type: string; text: string };
    expect(body.response_type).toBe('ephemeral');
    return body.text;
  };
  const card = (root: StandInMessage) => messageText(h.slack.messages().find((m) => m.ts === root.ts)!);

  beforeAll(async () => {
    target = await startRedis(['--requirepass', PASSWORD]);
    await applyMemoryPressure(target.client(), { usedPct: 90 });
    h = await startHarness({
      targetUrl: `redis://:${PASSWORD}@127.0.0.1:${target.port}`,
      extraConfig: 'commands:\n  rateLimit: { max: 4, window: 1m }\n',
    });
  });
  afterAll(async () => {
    await h?.stop();
    await target?.stop();
  });

  it('opens an incident by hand with the caller as commander, then notes, severity, commander and resolve update it', async () => {
    const ack = await slash('/incident', 'new Checkout latency <!channel> spike <https://evil.example|runbook>');
    const id = /INC-\d+/.exec(ack)?.[0];
    expect(id).toBeDefined();
    const root = await h.slack.waitFor(() => h.slack.threads().find((t) => t.root.text.startsWith(`${id} `))?.root, {
      what: 'new incident card',
    });
    expect(root.channel).toBe(CHANNEL);
    expect(card(root)).toContain(`<@${APPROVER}>`);
    // alert or command text can never ping the channel: mrkdwn and fallback text are escaped (plain_text never pings)
    const mrkdwn = JSON.stringify(
      h.slack.messages().map((m) => [m.text, JSON.stringify(m.blocks).match(/"type":"mrkdwn","text":"[^"]*"/g)]),
    );
    expect(mrkdwn).toContain('&lt;!channel&gt;');
    expect(mrkdwn).not.toContain('<!channel>');

    expect(await slash('/incident', 'note rolled back deploy #42')).toContain(id!);
    await h.slack.waitFor(
      () => h.slack.messages().find((m) => m.threadTs === root.ts && m.text.includes('rolled back deploy #42')),
      { what: 'note' },
    );

    await slash('/incident', 'severity sev1');
    await h.slack.waitFor(() => card(root).includes('*Severity*\nsev1') || undefined, { what: 'card with sev1' });
    await slash('/incident', `commander <@${OTHER_APPROVER}|bob>`);
    await h.slack.waitFor(() => card(root).includes(`*Commander*\n<@${OTHER_APPROVER}>`) || undefined, {
      what: 'card with new commander',
    });

    const status = await slash('/incident', 'status');
    expect(status).toMatch(new RegExp(`${id} \\[open, sev1\\]`));
    // The private reply is mrkdwn too: the title can neither ping nor pose as a link there.
    expect(status).toContain('&lt;!channel&gt; spike &lt;https://evil.example|runbook&gt;');
    expect(status).not.toMatch(/<!channel>|<https:/);
    expect(await slash('/incident', 'status <!here>')).toContain('unexpected "&lt;!here&gt;" after status');
    await slash('/incident', 'resolve rolled back; p99 back to 2 ms');
    await h.slack.waitFor(() => /\*Status\*\n:white_check_mark: resolved/.test(card(root)) || undefined, {
      what: 'resolved card',
    });

    const events = await h.bot.services.timeline.read(id!);
    expect(events.map((e) => [e.type, e.actor])).toEqual([
      ['incident.opened', APPROVER],
      ['note', APPROVER],
      ['severity.changed', APPROVER],
      ['commander.changed', APPROVER],
      ['incident.resolved', APPROVER],
    ]);
    expect(events[4]!.text).toContain('rolled back; p99 back to 2 ms');

    // A note on the resolved incident is accepted, and labelled so in the reply, the thread and the timeline.
    expect(await slash('/incident', `note ${id} root cause: a deploy without the pool`)).toBe(
      `Note added to ${id}, labelled as added after resolution (${id} is resolved).`,
    );
    const late = await h.slack.waitFor(
      () => h.slack.messages().find((m) => m.threadTs === root.ts && m.text.includes('root cause: a deploy')),
      { what: 'post-resolution note' },
    );
    expect(late.text).toContain('_(added after the incident was resolved)_');
    const last = (await h.bot.services.timeline.read(id!)).at(-1)!;
    expect([last.type, last.data.afterResolution]).toEqual(['note', true]);
  });

  it('exports a versioned JSON postmortem to the thread', async () => {
    const [incident] = (await h.bot.services.store.listOpen()).length
      ? await h.bot.services.store.listOpen()
      : [undefined];
    expect(incident).toBeUndefined(); // the hand-made incident is resolved
    const id = (await h.bot.services.store.get('INC-1'))!.id;
    expect(await slash('/incident', `export ${id} json`)).toContain('postmortem');
    const file = await h.slack.waitFor(() => h.slack.files().find((f) => f.filename === `${id}-postmortem.json`), {
      what: 'json export',
    });
    const doc = JSON.parse(file.content) as {
      schemaVersion: number;
      incident: { id: string; summary: string };
      timeline: Array<{ type: string }>;
      notes: Array<{ author: string; text: string }>;
    };
    expect(doc.schemaVersion).toBe(1);
    expect(doc.incident.id).toBe(id);
    expect(doc.timeline.map((e) => e.type)).toContain('note');
    expect(doc.notes).toEqual([
      { at: expect.any(String), author: APPROVER, text: 'rolled back deploy #42', afterResolution: false },
      {
        at: expect.any(String),
        author: APPROVER,
        text: 'root cause: a deploy without the pool',
        afterResolution: true,
      },
    ]);
    expect(doc.incident.summary).toBe('rolled back; p99 back to 2 ms');
  });

  it('groups a second alert group for the same target into the open incident', async () => {
    const first = await postWebhook(h.url, fixtureText('01-RedisOutOfConfiguredMaxmemory-firing.json'));
    await h.waitForJob('alerts', (first.json as { jobId: string }).jobId);
    const threadsBefore = h.slack.threads().length;
    // A different alert group (RedisTooManyConnections) whose first alert is on the same instance.
    const second = await postWebhook(h.url, fixtureText('03-RedisTooManyConnections-firing.json'));
    await h.waitForJob('alerts', (second.json as { jobId: string }).jobId);
    expect(h.slack.threads()).toHaveLength(threadsBefore);
    const open = await h.bot.services.store.listOpen();
    expect(open).toHaveLength(1);
    const events = await h.bot.services.timeline.read(open[0]!.id);
    expect(events.some((e) => e.type === 'alert.grouped' && e.text.includes('RedisTooManyConnections'))).toBe(true);
    const alerts = await h.bot.services.store.listAlerts(open[0]!.id);
    expect(alerts.map((a) => a.alertname).sort()).toEqual([
      'RedisOutOfConfiguredMaxmemory',
      'RedisTooManyConnections',
      'RedisTooManyConnections',
      'RedisTooManyConnections',
    ]);
  });

  it('/redis info and targets answer privately, with the password never shown', async () => {
    expect(await slash('/redis', 'info cache-1 memory')).toContain('Reading INFO memory');
    const info = await h.slack.waitFor(() => h.slack.ephemerals().find((m) => m.text.startsWith('*INFO memory*')), {
      what: 'info reply',
    });
    expect(info.text).toMatch(/used_memory\s+\d+/);
    expect(info.ephemeralTo).toBe(APPROVER);
    await slash('/redis', 'targets');
    const health = await h.slack.waitFor(() => h.slack.ephemerals().find((m) => m.text.startsWith('*Targets')), {
      what: 'targets reply',
    });
    expect(health.text).toMatch(/`cache-1` cache — master, .* ops\/s/);
    expect(JSON.stringify(h.slack.calls)).not.toContain(PASSWORD);
  });

  it('/redis diag runs a runbook on demand into the current incident; the requester cannot approve its proposals', async () => {
    const incident = (await h.bot.services.store.listOpen())[0]!;
    const pendingBefore = (await h.bot.services.proposals.listForIncident(incident.id)).filter(
      (x) => x.status === 'pending',
    );
    expect(pendingBefore.length).toBeGreaterThan(0);
    expect(await slash('/redis', 'diag cache-1 high-memory', OTHER_APPROVER)).toContain(incident.id);
    // Three diagnoses in all: high-memory and connections for the two alert groups, and the one just asked for.
    await h.waitForCompleted('diagnostics', 3);
    // The same fix is pending already (from the alert's diagnosis): it is not offered a second time.
    const afterFirst = await h.bot.services.proposals.listForIncident(incident.id);
    expect(afterFirst.filter((x) => x.requester === OTHER_APPROVER)).toEqual([]);
    expect(afterFirst.filter((x) => x.status === 'pending').map((x) => x.id)).toEqual(pendingBefore.map((x) => x.id));
    // Once those are rejected, the next on-demand diagnosis offers the fix again, requested by whoever asked.
    for (const old of pendingBefore) {
      const msg = h.slack.messages().find((m) => m.ts === old.messageTs)!;
      await postSigned(
        `${h.url}/slack/events`,
        SIGNING_SECRET,
        blockActionBody({
          actionId: 'proposal_reject',
          value: old.id,
          userId: APPROVER,
          channel: CHANNEL,
          messageTs: msg.ts,
          threadTs: incident.threadTs,
        }),
      );
    }
    await waitUntil(
      async () =>
        (await h.bot.services.proposals.listForIncident(incident.id)).every((x) => x.status !== 'pending') || false,
      { what: 'the pending proposals to be rejected' },
    );
    expect(await slash('/redis', 'diag cache-1 high-memory', OTHER_APPROVER)).toContain(incident.id);
    await h.waitForCompleted('diagnostics', 4);
    const mine = (await h.bot.services.proposals.listForIncident(incident.id)).filter(
      (x) => x.requester === OTHER_APPROVER,
    );
    expect(mine.length).toBeGreaterThan(0);
    const p = mine[0]!;
    const proposal = h.slack.messages().find((m) => m.ts === p.messageTs)!;
    expect(approveButtonValue(proposal)).toBe(p.id);
    const diagEvents = (await h.bot.services.timeline.read(incident.id)).filter((e) => e.type === 'diagnosis.started');
    expect(diagEvents.map((e) => e.actor).sort()).toEqual(['bot', 'bot', OTHER_APPROVER, OTHER_APPROVER].sort());
    await postSigned(
      `${h.url}/slack/events`,
      SIGNING_SECRET,
      blockActionBody({
        actionId: 'proposal_approve',
        value: p.id,
        userId: OTHER_APPROVER,
        channel: CHANNEL,
        messageTs: proposal.ts,
        threadTs: incident.threadTs,
      }),
    );
    const refusal = await h.slack.waitFor(
      () => h.slack.ephemerals().find((m) => m.ephemeralTo === OTHER_APPROVER && m.text.includes('two-person')),
      { what: 'two-person refusal' },
    );
    expect(refusal.text).toMatch(/someone other than the requester/);
    expect((await h.bot.services.proposals.require(p.id)).status).toBe('pending');
  });

  it('rate-limits /redis per user with a polite refusal', async () => {
    // APPROVER has used 2 of 4 (info, targets); OTHER_APPROVER's diag does not count against APPROVER.
    await slash('/redis', 'targets');
    await slash('/redis', 'targets');
    expect(await slash('/redis', 'targets')).toMatch(/please wait \d+ s/);
    expect(await slash('/redis', 'help')).toContain('/redis diag');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DECLARE_CHANNEL_ACTION_ID } from '../../src/blocks/declare-channel.js';
import {
  ADD_TO_TIMELINE_CALLBACK_ID,
  CARD_ACTION,
  CHOOSE_INCIDENT_INPUT,
  NOTE_INPUT,
} from '../../src/blocks/incident-controls.js';
import { applyMemoryPressure } from '../../src/devtools/memory-pressure.js';
import { type RedisProcess, startRedis } from '../../src/devtools/redis-process.js';
import { messageText } from '../../src/devtools/slack-messages.js';
import { waitUntil } from '../../src/devtools/wait-until.js';
import type { Incident } from '../../src/incidents/incident.js';
import {
  APPROVER,
  CHANNEL,
  type Harness,
  NOT_APPROVER,
  OTHER_APPROVER,
  postWebhook,
  startHarness,
} from '../support/bot-harness.js';
import { fixtureText } from '../support/fixtures.js';
import { peopleTs, ThreadClient } from '../support/thread-client.js';

/**
 * The incident's thread as the place to work, through signed requests as Slack sends them: `app_mention` events
 * (with Slack's retries), `block_actions` from the card's controls, `view_submission` from the note modal and
 * `message_action` from the shortcut. Every effect is read back from the state Redis and the Slack stand-in.
 */
describe('working from the incident thread', () => {
  let target: RedisProcess;
  let h: Harness;
  let slack: ThreadClient;
  let incident: Incident;

  const ignored = (reason: string) => h.bot.metrics.value('rib_slack_requests_ignored_total', { reason });
  const events = () => h.bot.services.timeline.read(incident.id);
  const cardText = () => messageText(slack.card(incident.id));
  const privateTo = (user: string, match: RegExp) =>
    h.slack.waitFor(() => h.slack.ephemerals().find((m) => m.ephemeralTo === user && match.test(m.text)), {
      what: `a private answer to ${user} matching ${match}`,
    });
  const inThread = (match: RegExp) =>
    h.slack.waitFor(() => h.slack.messages().find((m) => m.threadTs === incident.threadTs && match.test(m.text)), {
      what: `a thread message matching ${match}`,
    });
  const commandJobs = async () => {
    const c = await h.bot.services.queues.get('commands').getJobCounts('waiting', 'active', 'completed', 'failed');
    return Object.values(c).reduce((a, b) => a + b, 0);
  };

  beforeAll(async () => {
    target = await startRedis();
    await applyMemoryPressure(target.client(), { usedPct: 90 });
    h = await startHarness({ targetUrl: target.url, extraConfig: 'commands:\n  rateLimit: { max: 2, window: 1m }\n' });
    slack = new ThreadClient(h);
    const posted = await postWebhook(h.url, fixtureText('01-RedisOutOfConfiguredMaxmemory-firing.json'));
    await h.waitForJob('alerts', (posted.json as { jobId: string }).jobId);
    // The alert's own diagnosis runs first; the tests below start from its finished thread.
    await h.waitForCompleted('diagnostics', 1, 60_000);
    incident = (await h.bot.services.store.listOpen())[0]!;
    expect(incident.threadTs).not.toBe('');
  });
  afterAll(async () => {
    await h?.stop();
    await target?.stop();
  });

  describe('@bot mentions', () => {
    it('files one note for a mention Slack delivers three times (X-Slack-Retry-Num 1, 2)', async () => {
      const retriedBefore = ignored('retry');
      const jobsBefore = await commandJobs();
      const sent = await slack.mention({
        user: APPROVER,
        text: 'note failover drill <!channel> ignored',
        threadTs: incident.threadTs,
        retries: 2,
      });
      expect(sent.statuses).toEqual([200, 200, 200]);
      await waitUntil(async () => ignored('retry') === retriedBefore + 2, { what: 'both retries dropped' });
      await inThread(/Note from <@U0ALICE>: failover drill/);
      await h.waitForCompleted('commands', jobsBefore + 1);
      expect(await commandJobs()).toBe(jobsBefore + 1);
      const notes = (await events()).filter((e) => e.type === 'note');
      expect(notes.map((n) => [n.actor, n.text])).toEqual([[APPROVER, 'failover drill <!channel> ignored']]);
      const posted = h.slack
        .messages()
        .filter((m) => m.threadTs === incident.threadTs && /failover drill/.test(m.text));
      expect(posted).toHaveLength(1);
      // Typed text never pings: the thread shows it escaped.
      expect(posted[0]!.text).toContain('&lt;!channel&gt;');
      const ack = await privateTo(APPROVER, /Note added to INC-\d+/);
      expect(ack.threadTs).toBe(incident.threadTs);
    });

    it('changes severity and commander and answers status, all without an id', async () => {
      await slack.mention({ user: APPROVER, text: 'severity sev1', threadTs: incident.threadTs });
      await h.slack.waitFor(() => cardText().includes('*Severity*\nsev1') || undefined, { what: 'card at sev1' });
      await slack.mention({ user: APPROVER, text: `commander <@${OTHER_APPROVER}>`, threadTs: incident.threadTs });
      await h.slack.waitFor(() => cardText().includes(`*Commander*\n<@${OTHER_APPROVER}>`) || undefined, {
        what: 'card with the new commander',
      });
      await slack.mention({ user: NOT_APPROVER, text: 'status', threadTs: incident.threadTs });
      const status = await privateTo(NOT_APPROVER, new RegExp(`${incident.id} \\[open, sev1\\]`));
      expect(status.text).toContain(`commander <@${OTHER_APPROVER}>`);
      const changes = (await events()).filter((e) => e.type === 'severity.changed' || e.type === 'commander.changed');
      expect(changes.map((e) => [e.type, e.actor])).toEqual([
        ['severity.changed', APPROVER],
        ['commander.changed', APPROVER],
      ]);
      // The card's controls follow the state: the severity select shows sev1, the user select the commander.
      const controls = slack.controls(slack.card(incident.id)).map((c) => c.element);
      expect(controls.find((e) => e.action_id === CARD_ACTION.severity)?.initial_option?.value).toBe('sev1');
      expect(controls.find((e) => e.action_id === CARD_ACTION.commander)?.initial_user).toBe(OTHER_APPROVER);
    });

    it('answers with help outside an incident thread, refuses another incident id, ignores bots', async () => {
      await slack.mention({ user: NOT_APPROVER, text: 'resolve all good' });
      const help = await privateTo(NOT_APPROVER, /I act on incidents from their threads/);
      expect(help.threadTs).toBeUndefined();
      expect(help.text).toContain('@bot note &lt;text&gt;');
      await slack.mention({ user: NOT_APPROVER, text: 'note hello', threadTs: '1700000000.999999' });
      await privateTo(NOT_APPROVER, /This thread is not an incident thread/);
      await slack.mention({ user: NOT_APPROVER, text: 'note INC-999 elsewhere', threadTs: incident.threadTs });
      await privateTo(NOT_APPROVER, new RegExp(`This is the thread of ${incident.id}`));
      await slack.mention({ user: NOT_APPROVER, text: 'frobnicate', threadTs: incident.threadTs });
      await privateTo(NOT_APPROVER, /unknown subcommand "frobnicate"/);
      const jobsBefore = await commandJobs();
      await slack.mention({ user: 'U0OTHERBOT', botId: 'B0OTHER', text: 'resolve', threadTs: incident.threadTs });
      await slack.mention({ user: 'UBOT', text: 'resolve', threadTs: incident.threadTs });
      // Nothing to wait for: a mention that does something answers privately; these get no answer and no job.
      await slack.mention({ user: NOT_APPROVER, text: 'help', threadTs: incident.threadTs });
      await privateTo(NOT_APPROVER, /In an incident's thread, mention me/);
      expect(await commandJobs()).toBe(jobsBefore);
      expect(h.slack.ephemerals().filter((m) => m.ephemeralTo === 'U0OTHERBOT' || m.ephemeralTo === 'UBOT')).toEqual(
        [],
      );
      expect((await h.bot.services.store.require(incident.id)).status).toBe('open');
    });
  });

  describe('the card', () => {
    it("carries the controls, the runbook select on the alert's runbook", () => {
      const card = slack.card(incident.id);
      const ids = slack.controls(card).map((c) => c.element.action_id);
      expect(ids).toEqual([
        CARD_ACTION.resolve,
        CARD_ACTION.note,
        CARD_ACTION.runRunbook,
        CARD_ACTION.export,
        CARD_ACTION.exportAs,
        CARD_ACTION.severity,
        CARD_ACTION.commander,
        CARD_ACTION.runbook,
        DECLARE_CHANNEL_ACTION_ID,
      ]);
      const runbook = slack.controls(card).find((c) => c.element.action_id === CARD_ACTION.runbook)!.element;
      expect(runbook.initial_option?.value).toBe('high-memory');
      expect(runbook.options?.length).toBeGreaterThan(5);
    });

    it('sets severity from the select and commander from the user select', async () => {
      await slack.click(slack.card(incident.id), CARD_ACTION.severity, NOT_APPROVER, 'sev2');
      await h.slack.waitFor(() => cardText().includes('*Severity*\nsev2') || undefined, { what: 'card at sev2' });
      await slack.click(slack.card(incident.id), CARD_ACTION.commander, NOT_APPROVER, APPROVER);
      await h.slack.waitFor(() => cardText().includes(`*Commander*\n<@${APPROVER}>`) || undefined, {
        what: 'card with the clicked commander',
      });
      const last = (await events()).filter((e) => e.actor === NOT_APPROVER).map((e) => e.type);
      expect(last).toEqual(['severity.changed', 'commander.changed']);
      await inThread(/Severity sev1 → \*sev2\* \(<@U0MALLORY>\)/);
    });

    it("opens the note modal with the click's trigger id and adds the submitted note", async () => {
      const click = await slack.click(slack.card(incident.id), CARD_ACTION.note, OTHER_APPROVER);
      const view = await h.slack.waitFor(() => h.slack.views().find((v) => v.triggerId === click.triggerId), {
        what: 'the note modal',
      });
      expect(view.view.callback_id).toBe('incident_note_modal');
      const empty = await slack.submit(view, OTHER_APPROVER, {
        [NOTE_INPUT.block]: { [NOTE_INPUT.action]: { type: 'plain_text_input', value: '   ' } },
      });
      expect(JSON.parse(empty.text)).toEqual({
        response_action: 'errors',
        errors: { [NOTE_INPUT.block]: 'Write the note first.' },
      });
      const done = await slack.submit(view, OTHER_APPROVER, {
        [NOTE_INPUT.block]: {
          [NOTE_INPUT.action]: { type: 'plain_text_input', value: 'Checkout p99 back under 5 ms\nafter the purge' },
        },
      });
      expect(done).toEqual({ status: 200, text: '' });
      await inThread(/Note from <@U0BOB>: Checkout p99 back under 5 ms/);
      const note = (await events()).filter((e) => e.type === 'note').at(-1)!;
      expect([note.actor, note.text]).toEqual([OTHER_APPROVER, 'Checkout p99 back under 5 ms\nafter the purge']);
    });

    it("runs the chosen runbook, and the shown one from Run runbook, through /redis diag's path", async () => {
      const before = (await h.bot.services.queues.get('diagnostics').getCompletedCount()) ?? 0;
      await slack.click(slack.card(incident.id), CARD_ACTION.runbook, OTHER_APPROVER, 'connections');
      await privateTo(OTHER_APPROVER, /Running .* on `cache-1`; findings go to the thread of INC-\d+/);
      await slack.click(slack.card(incident.id), CARD_ACTION.runRunbook, OTHER_APPROVER);
      await h.waitForCompleted('diagnostics', before + 2, 60_000);
      const asked = (await events()).filter((e) => e.type === 'command' && e.actor === OTHER_APPROVER);
      expect(asked.map((e) => [e.text, e.data.via])).toEqual([
        [`diag cache-1 connections (from the card) by <@${OTHER_APPROVER}>`, 'card'],
        [`diag cache-1 high-memory (from the card) by <@${OTHER_APPROVER}>`, 'card'],
      ]);
      // The same proposal rules as the slash command: a fix already pending from the alert's diagnosis is not
      // offered a second time, whoever asks.
      const pending = (await h.bot.services.proposals.listForIncident(incident.id)).filter(
        (p) => p.status === 'pending',
      );
      expect(pending.length).toBeGreaterThan(0);
      const fixes = pending.map((p) => `${p.action} ${p.params}`);
      expect(new Set(fixes).size).toBe(fixes.length);
      // And the same per-user rate limit (2 a minute here): a third run is refused privately.
      await slack.click(slack.card(incident.id), CARD_ACTION.runRunbook, OTHER_APPROVER);
      await privateTo(OTHER_APPROVER, /please wait \d+ s/);
    });

    it('exports the postmortem as JSON from the overflow into the thread', async () => {
      await slack.click(slack.card(incident.id), CARD_ACTION.exportAs, NOT_APPROVER, 'json');
      const file = await h.slack.waitFor(
        () => h.slack.files().find((f) => f.filename === `${incident.id}-postmortem.json`),
        { what: 'the JSON postmortem' },
      );
      expect(file.threadTs).toBe(incident.threadTs);
      const doc = JSON.parse(file.content) as { notes: Array<{ author: string }> };
      expect(doc.notes.map((n) => n.author)).toEqual([APPROVER, OTHER_APPROVER]);
      const exported = (await events()).find((e) => e.type === 'command' && e.data.command === 'export');
      expect(exported).toMatchObject({
        actor: NOT_APPROVER,
        text: `export json (from the card) by <@${NOT_APPROVER}>`,
      });
    });
  });

  describe('"Add to incident timeline"', () => {
    it('files a message of the thread with author, time, text and permalink', async () => {
      const ts = peopleTs();
      const res = await slack.shortcut(ADD_TO_TIMELINE_CALLBACK_ID, APPROVER, {
        ts,
        user: NOT_APPROVER,
        text: 'I restarted the checkout pods at 14:05',
        thread_ts: incident.threadTs,
      });
      expect(res).toEqual({ status: 200, text: '' });
      await inThread(/<@U0ALICE> filed <https:\/\/test\.slack\.com\/archives\/C0INCIDENTS\/p1800000000\d+\|a message>/);
      const filed = (await events()).filter((e) => e.type === 'message.filed');
      expect(filed).toHaveLength(1);
      expect(filed[0]).toMatchObject({
        actor: APPROVER,
        data: {
          author: NOT_APPROVER,
          at: new Date(Number(ts) * 1000).toISOString(),
          text: 'I restarted the checkout pods at 14:05',
          permalink: `https://test.slack.com/archives/${CHANNEL}/p${ts.replace('.', '')}`,
        },
      });
      expect(h.slack.calls.filter((c) => c.method === 'chat.getPermalink').map((c) => c.args)).toEqual([
        { channel: CHANNEL, message_ts: ts },
      ]);
    });

    it('asks which open incident a message from outside any incident thread goes to', async () => {
      const ts = peopleTs();
      await slack.shortcut(
        ADD_TO_TIMELINE_CALLBACK_ID,
        OTHER_APPROVER,
        { ts, user: APPROVER, text: 'Deploy 4412 rolled out to all regions' },
        'C0DEPLOYS',
      );
      const view = await h.slack.waitFor(
        () => h.slack.views().find((v) => v.view.callback_id === 'add_to_timeline_incident'),
        { what: 'the choose-incident modal' },
      );
      const options = (
        (view.view.blocks as Array<{ element?: { options?: Array<{ value: string }> } }>)[1]?.element?.options ?? []
      ).map((o) => o.value);
      expect(options).toEqual([incident.id]);
      await slack.submit(view, OTHER_APPROVER, {
        [CHOOSE_INCIDENT_INPUT.block]: {
          [CHOOSE_INCIDENT_INPUT.action]: {
            type: 'static_select',
            selected_option: { text: { type: 'plain_text', text: incident.id }, value: incident.id },
          },
        },
      });
      await waitUntil(async () => (await events()).filter((e) => e.type === 'message.filed').length === 2, {
        what: 'the second filing',
      });
      const filed = (await events()).filter((e) => e.type === 'message.filed').at(-1)!;
      expect(filed).toMatchObject({
        actor: OTHER_APPROVER,
        data: { author: APPROVER, channel: 'C0DEPLOYS', permalink: expect.stringContaining('/archives/C0DEPLOYS/') },
      });
    });
  });

  describe("in the incident's own channel", () => {
    it("acts from the card's copy there and on mentions there", async () => {
      await slack.click(slack.card(incident.id), DECLARE_CHANNEL_ACTION_ID, NOT_APPROVER);
      const copy = await h.slack.waitFor(
        () => {
          const own = h.slack.channels()[0];
          return own && h.slack.messages().find((m) => m.channel === own.id && m.text.startsWith(`${incident.id} `));
        },
        { what: "the card's copy in the incident's channel" },
      );
      await slack.click(copy, CARD_ACTION.severity, NOT_APPROVER, 'sev3');
      await h.slack.waitFor(() => cardText().includes('*Severity*\nsev3') || undefined, { what: 'card at sev3' });
      await slack.mention({ user: NOT_APPROVER, text: 'status', channel: copy.channel });
      const status = await privateTo(NOT_APPROVER, new RegExp(`${incident.id} \\[open, sev3\\]`));
      expect(status.channel).toBe(copy.channel);
    });
  });

  describe('resolved', () => {
    it('resolves from the card (who and when) and leaves only Export on it', async () => {
      await slack.click(slack.card(incident.id), CARD_ACTION.resolve, NOT_APPROVER);
      await h.slack.waitFor(() => /\*Status\*\n:white_check_mark: resolved/.test(cardText()) || undefined, {
        what: 'resolved card',
      });
      const resolved = (await events()).find((e) => e.type === 'incident.resolved')!;
      expect(resolved.actor).toBe(NOT_APPROVER);
      expect(Date.parse(resolved.at)).not.toBeNaN();
      expect(slack.controls(slack.card(incident.id)).map((c) => c.element.action_id)).toEqual([
        CARD_ACTION.export,
        CARD_ACTION.exportAs,
      ]);
      // A shortcut with nothing open to file on says so privately.
      await slack.shortcut(
        ADD_TO_TIMELINE_CALLBACK_ID,
        NOT_APPROVER,
        { ts: peopleTs(), user: APPROVER, text: 'late news' },
        'C0DEPLOYS',
      );
      await privateTo(NOT_APPROVER, /not in an incident thread, and no incident is open/);
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADD_TO_TIMELINE_CALLBACK_ID, CARD_ACTION, NOTE_INPUT } from '../../src/blocks/incident-controls.js';
import { APPROVE_ACTION_ID } from '../../src/blocks/proposal.js';
import { applyMemoryPressure } from '../../src/devtools/memory-pressure.js';
import { type RedisProcess, startRedis } from '../../src/devtools/redis-process.js';
import { approveButtonValue, messageText } from '../../src/devtools/slack-messages.js';
import { waitUntil } from '../../src/devtools/wait-until.js';
import { APPROVER, CHANNEL, type Harness, OTHER_APPROVER, postWebhook, startHarness } from '../support/bot-harness.js';
import { fixtureText } from '../support/fixtures.js';
import { peopleTs, ThreadClient } from '../support/thread-client.js';

const ONCALL = 'U0CAROL';

/**
 * One incident run entirely from its Slack thread, as responders would: a real captured Alertmanager notification
 * opens it, then only what Slack's clients send from the thread — the card's controls, `@bot` mentions, the note
 * modal, an Approve click, the message shortcut — up to the exported postmortem. No slash command, no typed id.
 */
describe('an incident worked from its thread alone', () => {
  let target: RedisProcess;
  let h: Harness;
  let slack: ThreadClient;

  beforeAll(async () => {
    target = await startRedis();
    await applyMemoryPressure(target.client(), { usedPct: 92 });
    h = await startHarness({ targetUrl: target.url });
    slack = new ThreadClient(h);
  });
  afterAll(async () => {
    await h?.stop();
    await target?.stop();
  });

  it('goes from the first alert to the exported postmortem', async () => {
    // 1. The first alert, byte for byte as Alertmanager 0.25 sent it: the incident, its card, its diagnosis.
    const fired = await postWebhook(h.url, fixtureText('01-RedisOutOfConfiguredMaxmemory-firing.json'));
    expect(fired.status).toBe(202);
    const card = await h.slack.waitFor(() => h.slack.threads()[0]?.root, { what: 'the incident card' });
    const id = /^(INC-\d+) /.exec(card.text)?.[1] ?? '';
    const thread = card.ts;
    const inThread = (re: RegExp, what: string) =>
      h.slack.waitFor(() => h.slack.messages().find((m) => m.threadTs === thread && re.test(messageText(m))), {
        what,
        timeoutMs: 60_000,
      });
    const cardNow = () => messageText(slack.card(id));
    const proposalMsg = await inThread(/Proposed fix: Raise maxmemory/, 'the maxmemory proposal');

    // 2. The on-call takes command and raises the severity from the card.
    await slack.click(slack.card(id), CARD_ACTION.commander, ONCALL, ONCALL);
    await slack.click(slack.card(id), CARD_ACTION.severity, ONCALL, 'sev2');
    await h.slack.waitFor(
      () => (cardNow().includes(`*Commander*\n<@${ONCALL}>`) && cardNow().includes('*Severity*\nsev2')) || undefined,
      { what: 'the card with commander and severity' },
    );

    // 3. A note by mention; Slack delivers it twice (a retry), it is noted once.
    await slack.mention({ user: ONCALL, text: 'note checkout writes failing with OOM', threadTs: thread, retries: 1 });
    await inThread(/Note from <@U0CAROL>: checkout writes failing with OOM/, 'the mentioned note');

    // 4. A teammate's message in the thread goes on the timeline through the shortcut.
    const teammateTs = peopleTs();
    await slack.shortcut(ADD_TO_TIMELINE_CALLBACK_ID, ONCALL, {
      ts: teammateTs,
      user: APPROVER,
      text: 'nightly report job started writing report:cache:2026-11:full at 22:30',
      thread_ts: thread,
    });
    await inThread(/<@U0CAROL> filed <https:\/\/test\.slack\.com\/archives\//, 'the filing in the thread');

    // 5. The alert's runbook again from the card (the select shows it), then an approver approves the fix.
    await slack.click(slack.card(id), CARD_ACTION.runRunbook, ONCALL);
    const proposalId = approveButtonValue(proposalMsg) ?? '';
    await slack.click(proposalMsg, APPROVE_ACTION_ID, OTHER_APPROVER);
    await inThread(/Raise maxmemory on cache-1: executed/, 'the executed fix');

    // 6. A longer note through the card's modal.
    const click = await slack.click(slack.card(id), CARD_ACTION.note, ONCALL);
    const view = await h.slack.waitFor(() => h.slack.views().find((v) => v.triggerId === click.triggerId), {
      what: 'the note modal',
    });
    await slack.submit(view, ONCALL, {
      [NOTE_INPUT.block]: {
        [NOTE_INPUT.action]: {
          type: 'plain_text_input',
          value: 'maxmemory raised by 10%.\nFollow-up: give report:* keys a TTL.',
        },
      },
    });
    await inThread(/Note from <@U0CAROL>: maxmemory raised by 10%/, 'the modal note');

    // 7. The on-call resolves the incident by mention with a summary; then the alert resolves.
    // The on-call resolves first (the alert's own resolution, which follows, then changes nothing but its state).
    await slack.mention({ user: ONCALL, text: 'resolve raised maxmemory; report job paused', threadTs: thread });
    await h.slack.waitFor(() => /\*Status\*\n:white_check_mark: resolved/.test(cardNow()) || undefined, {
      what: 'the resolved card',
    });
    const resolved = await postWebhook(h.url, fixtureText('09-RedisOutOfConfiguredMaxmemory-resolved.json'));
    await h.waitForJob('alerts', (resolved.json as { jobId: string }).jobId);
    expect(slack.controls(slack.card(id)).map((c) => c.element.action_id)).toEqual([
      CARD_ACTION.export,
      CARD_ACTION.exportAs,
    ]);

    // 8. The postmortem, from the resolved card (Markdown) and by mention (JSON).
    await slack.click(slack.card(id), CARD_ACTION.export, ONCALL);
    await slack.mention({ user: ONCALL, text: 'export json', threadTs: thread });
    const md = await h.slack.waitFor(() => h.slack.files().find((f) => f.filename === `${id}-postmortem.md`), {
      what: 'the Markdown postmortem',
    });
    const json = await h.slack.waitFor(() => h.slack.files().find((f) => f.filename === `${id}-postmortem.json`), {
      what: 'the JSON postmortem',
    });
    expect([md.threadTs, json.threadTs]).toEqual([thread, thread]);

    expect(md.content).toContain('- Status: resolved');
    expect(md.content).toContain('- Severity: sev2');
    expect(md.content).toContain(`- Commander: <@${ONCALL}>`);
    expect(md.content).toContain('- Resolution: raised maxmemory; report job paused');
    expect(md.content).toContain(`<@${ONCALL}>: checkout writes failing with OOM`);
    expect(md.content).toContain('Follow-up: give report:* keys a TTL.');
    expect(md.content).toMatch(
      /\| message\.filed \| <@U0CAROL> \| Message from <@U0ALICE> at .* UTC \(https:\/\/test\.slack\.com\/archives\/C0INCIDENTS\/p\d+\): nightly report job/,
    );
    expect(md.content).toMatch(
      new RegExp(`\\| Raise maxmemory .* \\| bot \\| <@${OTHER_APPROVER}> at .* \\| executed \\|`),
    );

    const doc = JSON.parse(json.content) as {
      incident: { id: string; status: string; commander: string; severity: string };
      timeline: Array<{ type: string; actor: string; at: string; data: Record<string, unknown> }>;
      notes: Array<{ author: string }>;
      actions: Array<{ id: string; status: string; approver: string }>;
    };
    expect(doc.incident).toMatchObject({ id, status: 'resolved', commander: ONCALL, severity: 'sev2' });
    expect(doc.notes.map((n) => n.author)).toEqual([ONCALL, ONCALL]);
    expect(doc.actions.find((a) => a.id === proposalId)).toMatchObject({
      status: 'executed',
      approver: OTHER_APPROVER,
    });
    // Every human step is on the timeline with who and when.
    const human = doc.timeline.filter((e) => e.actor.startsWith('U0'));
    expect(human.every((e) => !Number.isNaN(Date.parse(e.at)))).toBe(true);
    expect(human.map((e) => [e.type, e.actor])).toEqual(
      expect.arrayContaining([
        ['commander.changed', ONCALL],
        ['severity.changed', ONCALL],
        ['note', ONCALL],
        ['message.filed', ONCALL],
        ['command', ONCALL],
        ['proposal.approved', OTHER_APPROVER],
        ['incident.resolved', ONCALL],
      ]),
    );
    expect(human.filter((e) => e.type === 'note')).toHaveLength(2);
    // The runbook and the Markdown export from the card, the JSON export by mention (the two exports race).
    const via = human.filter((e) => e.type === 'command').map((e) => String(e.data.via));
    expect(via.sort()).toEqual(['card', 'card', 'mention']);

    // Nothing was typed as a slash command and no incident id was ever typed.
    expect(new Set(slack.sent.map((s) => s.type))).toEqual(
      new Set(['block_actions', 'app_mention', 'message_action', 'view_submission']),
    );
    expect(slack.sent.filter((s) => /INC-\d+/.test(s.typed))).toEqual([]);
    await waitUntil(async () => (await h.bot.services.store.require(id)).status === 'resolved', { what: 'resolved' });
    expect(h.slack.threads().map((t) => t.root.ts)).toEqual([card.ts]);
    expect(card.channel).toBe(CHANNEL);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMemoryPressure } from '../../src/devtools/memory-pressure.js';
import { type RedisProcess, startRedis } from '../../src/devtools/redis-process.js';
import { approveButtonValue, messageText } from '../../src/devtools/slack-messages.js';
import { blockActionBody, postSigned, slashCommandBody } from '../../src/devtools/slack-signer.js';
import type { StandInMessage } from '../../src/devtools/slack-stand-in.js';
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

/**
 * What resolution does to the thread, on real parts: pending proposals withdrawn (buttons gone, a click answered
 * privately), a card that awaits nothing, and a re-fire shown as flapping on the card and in the thread.
 */
describe('resolution withdraws proposals; a re-fire is flapping', () => {
  let target: RedisProcess;
  let h: Harness;
  let root: StandInMessage;
  let incidentId: string;

  const card = () => messageText(h.slack.messages().find((m) => m.ts === root.ts)!);
  /** Posts a captured notification; `refire` moves its alerts' startsAt on, as Alertmanager sends a new episode. */
  const post = async (fixture: string, o: { refire?: boolean } = {}) => {
    const text = fixtureText(fixture);
    const res = await postWebhook(
      h.url,
      o.refire ? text.replaceAll('"startsAt":"2026-11-22T22:39:41Z"', '"startsAt":"2026-11-22T23:09:41Z"') : text,
    );
    expect(res.status).toBe(202);
    await h.waitForJob('alerts', (res.json as { jobId: string }).jobId);
  };
  const slash = async (command: '/incident' | '/redis', text: string, user = APPROVER) => {
    const res = await postSigned(
      `${h.url}/slack/events`,
      SIGNING_SECRET,
      slashCommandBody({ command, text, user_id: user, channel_id: CHANNEL }),
    );
    return (JSON.parse(res.text) as { text: string }).text;
  };
  const pendingOf = async () =>
    (await h.bot.services.proposals.listForIncident(incidentId)).filter((p) => p.status === 'pending');

  beforeAll(async () => {
    target = await startRedis();
    await applyMemoryPressure(target.client(), { usedPct: 92 });
    h = await startHarness({ targetUrl: target.url });
  });
  afterAll(async () => {
    await h?.stop();
    await target?.stop();
  });

  it('withdraws the pending proposals when the alert resolves, and the card says so', async () => {
    await post('01-RedisOutOfConfiguredMaxmemory-firing.json');
    await h.waitForCompleted('diagnostics', 1);
    root = h.slack.threads()[0]!.root;
    incidentId = (await h.bot.services.store.findByThread(CHANNEL, root.ts))!;
    const pending = await pendingOf();
    expect(pending.length).toBeGreaterThan(0);
    await h.slack.waitFor(() => card().includes(`${pending.length} proposal(s) awaiting approval`) || undefined, {
      what: 'card counting the proposals',
    });

    await post('09-RedisOutOfConfiguredMaxmemory-resolved.json');
    expect(await pendingOf()).toEqual([]);
    // The card and each proposal's redraw are separate effects: wait until the outbox owes nothing.
    await h.slackSettled();
    for (const p of pending) {
      expect((await h.bot.services.proposals.require(p.id)).status).toBe('withdrawn');
      const message = h.slack.messages().find((m) => m.ts === p.messageTs)!;
      expect(message.edits).toBeGreaterThan(0);
      expect(approveButtonValue(message)).toBeUndefined();
      expect(messageText(message)).toContain('withdrawn: incident resolved');
    }
    expect(card()).toMatch(/\*Status\*\n:white_check_mark: resolved/);
    expect(card()).not.toContain('awaiting approval');
    expect(card()).toContain(`${pending.length} proposal(s) withdrawn`);
    const events = await h.bot.services.timeline.read(incidentId);
    expect(events.filter((e) => e.type === 'proposal.withdrawn')).toHaveLength(pending.length);
  });

  it('answers a click on a withdrawn proposal privately and runs nothing', async () => {
    const [p] = await h.bot.services.proposals.listForIncident(incidentId);
    const res = await postSigned(
      `${h.url}/slack/events`,
      SIGNING_SECRET,
      // A stale copy of the message in someone's client still shows the buttons.
      blockActionBody({
        actionId: 'proposal_approve',
        value: p!.id,
        userId: APPROVER,
        channel: CHANNEL,
        messageTs: p!.messageTs,
        threadTs: root.ts,
      }),
    );
    expect(res.status).toBe(200);
    const reply = await h.slack.waitFor(() => h.slack.ephemerals().find((m) => m.ephemeralTo === APPROVER), {
      what: 'private answer',
    });
    expect(reply.text).toBe(`Nothing done: ${p!.title} was withdrawn when ${incidentId} was resolved.`);
    expect((await h.bot.services.proposals.require(p!.id)).status).toBe('withdrawn');
    expect(await h.bot.services.proposals.ledger(p!.id)).toBeUndefined();
  });

  it('ignores a late copy of the firing notification that arrives after the resolution', async () => {
    const before = h.slack.calls.length;
    await post('01-RedisOutOfConfiguredMaxmemory-firing.json');
    expect(card()).toMatch(/\*Status\*\n:white_check_mark: resolved/);
    expect((await h.bot.services.store.require(incidentId)).status).toBe('resolved');
    expect(h.slack.calls.slice(before).filter((c) => c.method === 'chat.postMessage')).toEqual([]);
  });

  it('shows a re-fire after resolution as flapping, on the card and in the thread', async () => {
    await post('01-RedisOutOfConfiguredMaxmemory-firing.json', { refire: true });
    expect(h.slack.threads()).toHaveLength(1);
    expect(card()).toMatch(/\*Status\*\n:rotating_light: open/);
    expect(card()).toContain('*Alerts*\n1 firing, 0 resolved\n:repeat: flapping: fired again 1 time');
    const replies = h.slack.threads()[0]!.replies;
    expect(replies.filter((m) => m.text === 'Fired again (flapping): RedisOutOfConfiguredMaxmemory')).toHaveLength(1);
    // A new episode: its message, then (after it) the new episode's diagnosis.
    expect(
      replies.some((m) =>
        messageText(m).includes(':red_circle: Fired again (flapping): *RedisOutOfConfiguredMaxmemory*'),
      ),
    ).toBe(true);
    const fired = (await h.bot.services.timeline.read(incidentId)).filter((e) => e.type === 'alert.fired');
    expect(fired.map((e) => e.text.split(':')[0])).toEqual(['Fired', 'Fired again (flapping)']);
  });

  it('/incident resolve withdraws the pending proposals too', async () => {
    // The reopened incident gets fresh proposals from an on-demand diagnosis, then is resolved by hand.
    // Three diagnoses by now: the first episode's, the re-fire's and this one.
    expect(await slash('/redis', 'diag cache-1 high-memory', OTHER_APPROVER)).toContain(incidentId);
    await h.waitForCompleted('diagnostics', 3);
    const pending = await pendingOf();
    expect(pending.length).toBeGreaterThan(0);
    // The same fix is never pending twice.
    const fixes = pending.map((p) => `${p.action} ${p.params}`);
    expect(new Set(fixes).size).toBe(fixes.length);
    expect(await slash('/incident', `resolve ${incidentId} back under the limit`)).toContain(`Resolving ${incidentId}`);
    await h.slack.waitFor(() => /\*Status\*\n:white_check_mark: resolved/.test(card()) || undefined, {
      what: 'resolved card',
    });
    expect(await pendingOf()).toEqual([]);
    // The card and each proposal's redraw are separate effects: wait until the outbox owes nothing.
    await h.slackSettled();
    for (const p of pending) {
      const message = h.slack.messages().find((m) => m.ts === p.messageTs)!;
      expect(approveButtonValue(message)).toBeUndefined();
      expect(messageText(message)).toContain('withdrawn: incident resolved');
    }
    expect(card()).not.toContain('awaiting approval');
    const withdrawn = (await h.bot.services.proposals.listForIncident(incidentId)).filter(
      (p) => p.status === 'withdrawn',
    );
    expect(withdrawn.length).toBeGreaterThanOrEqual(pending.length);
    expect(card()).toContain(`${withdrawn.length} proposal(s) withdrawn`);
  });
});

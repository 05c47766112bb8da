import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisProcess, startRedis } from '../../src/devtools/redis-process.js';
import { messageText } from '../../src/devtools/slack-messages.js';
import { blockActionBody, postSigned, slashCommandBody } from '../../src/devtools/slack-signer.js';
import type { StandInMessage } from '../../src/devtools/slack-stand-in.js';
import { waitUntil } from '../../src/devtools/wait-until.js';
import { incidentChannelName } from '../../src/incidents/incident-channel.js';
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
 * Incidents' own channels on real parts: `/incident new … --channel`, the card's "Declare incident" button (signed
 * `block_actions`) and the severity policy create a channel (conversations.create, recorded by the Web API
 * stand-in), invite the commander, post the card there and link it from the triage thread; slash commands typed in
 * the channel act on its incident with no id.
 */
describe('incident channels', () => {
  let target: RedisProcess;
  let h: Harness;

  const slash = async (command: '/incident' | '/redis', text: string, channel = CHANNEL, user = APPROVER) => {
    const res = await postSigned(
      `${h.url}/slack/events`,
      SIGNING_SECRET,
      slashCommandBody({ command, text, user_id: user, channel_id: channel }),
    );
    expect(res.status).toBe(200);
    return (JSON.parse(res.text) as { text: string }).text;
  };
  const root = (id: string) =>
    h.slack.threads().find((t) => t.root.channel === CHANNEL && t.root.text.startsWith(`${id} `));
  const card = (m: StandInMessage) =>
    messageText(h.slack.messages().find((x) => x.ts === m.ts && x.channel === m.channel)!);
  const declare = (value: string, user: string, messageTs: string) =>
    postSigned(
      `${h.url}/slack/events`,
      SIGNING_SECRET,
      blockActionBody({
        actionId: 'incident_declare_channel',
        value,
        userId: user,
        channel: CHANNEL,
        messageTs,
        label: 'Declare incident',
        blockId: `incident_channel:${value}`,
      }),
    );
  /** Waits for the triage card to link the incident's channel (the last step of opening one), then reads it. */
  const ownChannel = async (id: string) => {
    await h.slack.waitFor(() => (root(id) && card(root(id)!.root).includes('channel <#')) || undefined, {
      what: `${id}'s own channel linked from its card`,
    });
    // Where the copy and the link landed is recorded once each is delivered.
    return waitUntil(
      async () => {
        const i = await h.bot.services.store.get(id);
        return i?.incidentChannelCardTs && i.incidentChannelLinkTs ? i : undefined;
      },
      { what: `${id}'s channel card and link recorded` },
    );
  };

  beforeAll(async () => {
    target = await startRedis();
    h = await startHarness({ targetUrl: target.url, extraConfig: 'incidentChannels:\n  severities: [sev1]\n' });
  });
  afterAll(async () => {
    await h?.stop();
    await target?.stop();
  });

  it('/incident new … --channel opens the incident with its own channel, the commander invited and the card there', async () => {
    const ack = await slash('/incident', 'new Checkout down --channel');
    expect(ack).toBe(`Opening INC-1 in <#${CHANNEL}> and its own channel, you as commander.`);
    const incident = await ownChannel('INC-1');
    const [made] = h.slack.channels();
    expect(made).toEqual({
      id: incident.incidentChannel,
      name: 'inc-1-checkout-down',
      isPrivate: false,
      members: ['UBOT', APPROVER],
    });
    expect(h.slack.calls.filter((c) => c.method === 'conversations.create').map((c) => c.args.name)).toEqual([
      'inc-1-checkout-down',
    ]);
    expect(h.slack.calls.find((c) => c.method === 'conversations.invite')?.args).toMatchObject({
      channel: made!.id,
      users: APPROVER,
    });
    // The card, at the top of the new channel, and the same card in the triage thread.
    const copy = h.slack.messages().find((m) => m.channel === made!.id && !m.threadTs)!;
    expect(copy.ts).toBe(incident.incidentChannelCardTs);
    expect(copy.text).toBe('INC-1 [open] Checkout down');
    const triage = root('INC-1')!;
    const link = triage.replies.find((m) => m.ts === incident.incidentChannelLinkTs)!;
    expect(link.text).toBe(
      `:loudspeaker: INC-1 has its own channel: <#${made!.id}> (declared by <@${APPROVER}>). Slash commands there act on INC-1 without an id.`,
    );
    expect(card(triage.root)).toContain(`channel <#${made!.id}>`);
    expect(card(triage.root)).not.toContain('Declare incident');
    const events = await h.bot.services.timeline.read('INC-1');
    expect(events.find((e) => e.type === 'channel.created')).toMatchObject({
      actor: APPROVER,
      text: `Incident channel #inc-1-checkout-down opened by <@${APPROVER}>`,
    });
  });

  it('slash commands typed in that channel act on its incident without an id; both cards follow', async () => {
    const { incidentChannel } = (await h.bot.services.store.get('INC-1'))!;
    await slash('/incident', 'new Unrelated noise'); // a second open incident in the triage channel
    expect(await slash('/incident', 'note failing over to the replica', incidentChannel)).toBe('Note added to INC-1.');
    expect(await slash('/incident', 'status', incidentChannel)).toMatch(/^INC-1 \[open, sev3\] Checkout down/);
    // In the triage channel the same words need an id now.
    expect(await slash('/incident', 'status')).toMatch(/Open incidents \(2\)/);
    await slash('/incident', 'severity sev2', incidentChannel);
    const triage = root('INC-1')!.root;
    const copy = h.slack.messages().find((m) => m.channel === incidentChannel && !m.threadTs)!;
    await h.slack.waitFor(
      () => (card(triage).includes('*Severity*\nsev2') && card(copy).includes('*Severity*\nsev2')) || undefined,
      {
        what: 'both cards at sev2',
      },
    );
    const note = await h.slack.waitFor(
      () => root('INC-1')?.replies.find((m) => m.text.includes('failing over to the replica')),
      { what: 'note in the triage thread' },
    );
    expect(note.channel).toBe(CHANNEL);
  });

  it('the card\'s "Declare incident" button opens one, with a suffix when the name is taken; a second click is told', async () => {
    const res = await postWebhook(h.url, fixtureText('01-RedisOutOfConfiguredMaxmemory-firing.json'));
    await h.waitForJob('alerts', (res.json as { jobId: string }).jobId);
    const alertIncident = (await h.bot.services.store.listOpen()).find((i) => i.groupKey)!;
    expect(alertIncident.incidentChannel).toBe(''); // sev2 from the alert: not in the policy's severities
    const triage = root(alertIncident.id)!.root;
    expect(card(triage)).toContain('Declare incident');
    // Someone already has a channel by the name the bot would pick.
    const taken = incidentChannelName(alertIncident.id, alertIncident.title);
    await fetch(`${h.slack.url}/api/conversations.create`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ name: taken }).toString(),
    });

    expect((await declare(alertIncident.id, OTHER_APPROVER, triage.ts)).status).toBe(200);
    const reply = await h.slack.waitFor(() => h.slack.ephemerals().find((m) => m.ephemeralTo === OTHER_APPROVER), {
      what: 'private answer',
    });
    expect(reply.text).toBe(`Opening a channel for ${alertIncident.id}; the thread will link it.`);
    const declared = await ownChannel(alertIncident.id);
    const made = h.slack.channels().find((c) => c.id === declared.incidentChannel)!;
    expect(made.name).toBe(`${taken}-2`);
    // No commander on an alert's incident: the one who declared it is invited.
    expect(made.members).toEqual(['UBOT', OTHER_APPROVER]);
    await h.slack.waitFor(() => !card(triage).includes('Declare incident') || undefined, { what: 'button gone' });

    await declare(alertIncident.id, APPROVER, triage.ts);
    const second = await h.slack.waitFor(
      () => h.slack.ephemerals().find((m) => m.ephemeralTo === APPROVER && m.text.includes('already has')),
      { what: 'second click answer' },
    );
    expect(second.text).toBe(`${alertIncident.id} already has its own channel: <#${made.id}>.`);
    expect(h.slack.channels().filter((c) => c.name.startsWith(taken))).toHaveLength(2); // the taken one and ours

    await declare('INC-1; DROP', APPROVER, triage.ts);
    await h.slack.waitFor(
      () => h.slack.ephemerals().find((m) => m.text === 'That button carries no valid incident id; nothing done.'),
      { what: 'refusal of a forged value' },
    );
  });

  it('a severity the policy lists gets its channel on its own (incidentChannels.severities)', async () => {
    const ack = await slash('/incident', 'new Sessions lost');
    const id = /INC-\d+/.exec(ack)![0];
    await h.slack.waitFor(() => root(id), { what: 'card' });
    const before = h.slack.channels().length;
    await slash('/incident', `severity ${id} sev1`);
    const incident = await ownChannel(id);
    expect(h.slack.channels()).toHaveLength(before + 1);
    const made = h.slack.channels().find((c) => c.id === incident.incidentChannel)!;
    expect(made.name).toBe(incidentChannelName(id, 'Sessions lost'));
    expect(made.members).toEqual(['UBOT', APPROVER]); // the commander
    const link = root(id)!.replies.find((m) => m.ts === incident.incidentChannelLinkTs)!;
    expect(link.text).toContain('(its severity calls for one)');
  });
});

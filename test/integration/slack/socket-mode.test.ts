import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePrometheusText } from '../../../src/devtools/prometheus-text.js';
import { type RedisProcess, startRedis } from '../../../src/devtools/redis-process.js';
import { blockActionBody, eventCallbackBody, slashCommandBody } from '../../../src/devtools/slack-signer.js';
import type { Delivery, SocketModeStandIn } from '../../../src/devtools/socket-mode-stand-in.js';
import { waitUntil } from '../../../src/devtools/wait-until.js';
import { APPROVER, CHANNEL, type Harness, postWebhook, startHarness } from '../../support/bot-harness.js';
import { fixtureText } from '../../support/fixtures.js';

/**
 * The bot in Socket Mode (SLACK_APP_TOKEN), against a real state redis-server and a Socket Mode stand-in that speaks
 * Slack's protocol: every listener works as over HTTP, the HTTP port still serves Alertmanager and the probes, and
 * a socket Slack rotates is left only once its acks are out, then replaced at once.
 */
describe('Socket Mode', () => {
  let target: RedisProcess;
  let h: Harness;
  let socket: SocketModeStandIn;

  const command = (name: '/incident' | '/redis', text: string, user = APPROVER) =>
    socket.slashCommand(slashCommandBody({ command: name, text, user_id: user, channel_id: CHANNEL }));
  /** The reply a command's ack carried (what Slack shows the user), or the failure. */
  const reply = async (d: Delivery) => {
    const r = await d.result;
    return r.ok ? String(r.payload.text ?? '') : `failed: ${r.error}`;
  };
  const calls = (method: string) => h.slack.calls.filter((c) => c.method === method).length;
  const ignored = (reason: string) => h.bot.metrics.value('rib_slack_requests_ignored_total', { reason });
  const notes = async (id: string) =>
    (await h.bot.services.timeline.read(id)).filter((e) => e.type === 'note').map((e) => String(e.text ?? ''));
  const openIncident = async (title: string) => {
    const text = await reply(command('/incident', `new ${title}`));
    const id = /INC-\d+/.exec(text)?.[0];
    if (!id) throw new Error(`no incident id in ${JSON.stringify(text)}`);
    await h.slack.waitFor(() => h.slack.threads().find((t) => t.root.text.startsWith(`${id} `)), {
      what: `${id}'s thread`,
    });
    return id;
  };

  beforeAll(async () => {
    target = await startRedis();
    h = await startHarness({ targetUrl: target.url, socketMode: true });
    socket = h.socket as SocketModeStandIn;
  });
  afterAll(async () => {
    await h?.stop();
    await target?.stop();
  });

  it('connects at start-up (one apps.connections.open, one auth.test) and keeps the HTTP routes', async () => {
    expect(socket.openConnections()).toHaveLength(1);
    expect(calls('apps.connections.open')).toBe(1);
    expect(calls('auth.test')).toBe(1);
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${h.url}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${h.url}/metrics`)).text()).toContain('rib_webhooks_total');
    // Nothing answers Slack over HTTP in Socket Mode.
    expect((await fetch(`${h.url}/slack/events`, { method: 'POST', body: 'x' })).status).toBe(404);
    const wrongMethod = await fetch(`${h.url}/alertmanager`);
    expect([wrongMethod.status, wrongMethod.headers.get('allow')]).toEqual([405, 'POST']);

    const accepted = await postWebhook(h.url, fixtureText('01-RedisOutOfConfiguredMaxmemory-firing.json'));
    expect(accepted.status).toBe(202);
    await h.slack.waitFor(() => h.slack.threads().some((t) => /maxmemory/i.test(t.root.text)), {
      what: 'the alert thread',
    });
  });

  it('serves slash commands through the socket, the reply riding on the ack', async () => {
    const id = await openIncident('Socket drill');
    expect(h.slack.threads().find((t) => t.root.text.startsWith(`${id} `))?.root.text).toContain('Socket drill');
    const note = command('/incident', `note ${id} failover done, lag 0`);
    expect(await reply(note)).toContain(`Note added to ${id}`);
    expect(note.acks).toHaveLength(1);
    await waitUntil(async () => (await notes(id)).length === 1, { what: 'the note on the timeline' });
    expect(await notes(id)).toEqual([expect.stringContaining('failover done, lag 0')]);
    expect(await reply(command('/redis', 'targets'))).not.toMatch(/^failed/);
    // Each ack is timed as over HTTP, from the envelope's arrival on the socket.
    const families = parsePrometheusText(await (await fetch(`${h.url}/metrics`)).text());
    const acked = families
      .get('rib_slack_ack_seconds')
      ?.samples.find((x) => x.name === 'rib_slack_ack_seconds_count' && x.labels.kind === 'slash')?.value;
    expect(acked).toBeGreaterThanOrEqual(3);
  });

  it('serves a button click through the socket: Reject decides the proposal once', async () => {
    const id = await openIncident('Socket click');
    const now = new Date();
    await h.bot.services.proposals.create({
      id: 'P-socket-1',
      incidentId: id,
      action: 'memory-purge',
      title: 'Purge allocator memory on cache-1',
      target: 'cache-1',
      params: '{}',
      command: 'MEMORY PURGE',
      reason: 'fragmentation',
      risk: '',
      status: 'pending',
      requester: 'bot',
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + 15 * 60_000).toISOString(),
      decidedBy: '',
      decidedAt: '',
      channel: '',
      messageTs: '',
      result: '',
    });
    const click = socket.interactive(
      blockActionBody({
        actionId: 'proposal_reject',
        value: 'P-socket-1',
        userId: APPROVER,
        channel: CHANNEL,
        messageTs: '1700000000.000200',
      }),
    );
    expect(await click.result).toMatchObject({ ok: true, payload: {} });
    await waitUntil(async () => (await h.bot.services.proposals.require('P-socket-1')).status === 'rejected', {
      what: 'the proposal rejected',
    });
    await waitUntil(async () => (await h.bot.services.timeline.read(id)).some((e) => e.type === 'proposal.rejected'), {
      what: 'the rejection on the timeline',
    });
    // A click whose button carries no proposal id is answered privately, as over HTTP.
    const bad = socket.interactive(
      blockActionBody({
        actionId: 'proposal_approve',
        value: 'nonsense',
        userId: APPROVER,
        channel: CHANNEL,
        messageTs: '1.2',
      }),
    );
    expect((await bad.result).ok).toBe(true);
    await h.slack.waitFor(() => h.slack.ephemerals().find((m) => /no valid proposal id/.test(m.text)), {
      what: 'the private answer to a bad click',
    });
  });

  it("acks an event once per envelope and drops Slack's retry of it (same event_id, retry_attempt 1)", async () => {
    const retriesBefore = ignored('retry');
    const event = socket.event(
      eventCallbackBody({
        eventId: 'Ev0SOCKET1',
        event: { type: 'app_mention', user: APPROVER, text: '<@UBOT> help', channel: CHANNEL, ts: '1700000000.000400' },
      }),
    );
    expect((await event.result).ok).toBe(true);
    socket.retry(event);
    await waitUntil(async () => event.acks.length === 2, { what: 'the retry acked' });
    expect(event.attempts.map((a) => a.retryAttempt)).toEqual([0, 1]);
    expect(new Set(event.acks.map((a) => a.envelopeId)).size).toBe(2);
    await waitUntil(async () => ignored('retry') === retriesBefore + 1, {
      what: 'the retry dropped by the replay guard',
    });
  });

  it('reconnects when Slack rotates the socket mid-run: no envelope lost, none answered twice', async () => {
    const id = await openIncident('Rotation drill');
    const openBefore = calls('apps.connections.open');
    const connectionsBefore = socket.connections.length;
    // A burst in flight on the old socket when Slack asks the bot to leave it.
    const before = Array.from({ length: 12 }, (_, i) => command('/incident', `note ${id} before rotation ${i}`));
    socket.disconnect('refresh_requested');
    // Events meanwhile wait for the next socket, as Slack holds them.
    const events = Array.from({ length: 3 }, (_, i) =>
      socket.event(
        eventCallbackBody({
          eventId: `Ev0ROTATE${i}`,
          event: {
            type: 'app_mention',
            user: APPROVER,
            text: '<@UBOT> status',
            channel: CHANNEL,
            ts: `1700000001.00000${i}`,
          },
        }),
      ),
    );
    await socket.waitForConnections(connectionsBefore + 1);
    const after = Array.from({ length: 8 }, (_, i) => command('/incident', `note ${id} after rotation ${i}`));
    const all = [...before, ...after];

    const replies = await Promise.all(all.map(reply));
    expect(replies.filter((r) => !r.includes(`Note added to ${id}`))).toEqual([]);
    expect((await Promise.all(events.map((e) => e.result))).map((r) => r.ok)).toEqual([true, true, true]);
    // Every envelope acked exactly once; the burst on the old socket, drained before the bot left it.
    for (const d of [...all, ...events])
      expect(d.acks.map((a) => a.envelopeId)).toEqual(d.attempts.map((a) => a.envelopeId));
    expect(new Set(before.map((d) => d.acks[0]?.connection))).toEqual(new Set([connectionsBefore]));
    expect(new Set([...after, ...events].map((d) => d.acks[0]?.connection))).toEqual(new Set([connectionsBefore + 1]));
    const old = socket.connections[connectionsBefore - 1];
    expect(old).toMatchObject({ disconnectReason: 'refresh_requested', closed: true, closedBy: 'app', stray: [] });
    expect(calls('apps.connections.open')).toBe(openBefore + 1);

    // Each note once on the timeline.
    await waitUntil(async () => (await notes(id)).length >= all.length, {
      what: `${all.length} notes`,
      timeoutMs: 30_000,
    });
    const texts = (await notes(id)).map((t) => /(before|after) rotation \d+/.exec(t)?.[0]).sort();
    const want = [
      ...before.map((_, i) => `before rotation ${i}`),
      ...after.map((_, i) => `after rotation ${i}`),
    ].sort();
    expect(texts).toEqual(want);
  });

  it('reconnects when the socket is cut, retrying apps.connections.open until Slack answers', async () => {
    const connections = socket.connections.length;
    const openBefore = calls('apps.connections.open');
    const refusals = h.slack.inject({ method: 'apps.connections.open', times: 2, answer: { error: 'internal_error' } });
    socket.drop();
    await socket.waitForConnections(connections + 1);
    expect(refusals.hits).toBe(2);
    expect(calls('apps.connections.open')).toBe(openBefore + 3);
    expect(await reply(command('/incident', 'help'))).toContain('/incident');
  });
});

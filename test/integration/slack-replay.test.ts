import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisProcess, startRedis } from '../../src/devtools/redis-process.js';
import {
  blockActionBody,
  eventCallbackBody,
  postSigned,
  signSlackRequest,
  slashCommandBody,
} from '../../src/devtools/slack-signer.js';
import { waitUntil } from '../../src/devtools/wait-until.js';
import type { QueueName } from '../../src/jobs/catalog.js';
import { APPROVER, CHANNEL, type Harness, SIGNING_SECRET, startHarness } from '../support/bot-harness.js';

/**
 * Replay protection on `/slack/events`: a signed request captured and sent again within Slack's window is
 * acknowledged (200) and ignored, and so is Slack's own retry of an Events API delivery; a new request, even one
 * with the same text, is served.
 */
describe('replayed Slack requests', () => {
  let target: RedisProcess;
  let h: Harness;
  let incidentId: string;

  const events = () => `${h.url}/slack/events`;
  /** Sends one signed request `times` times with the very same headers and body, as a replaying attacker would. */
  const sendRepeatedly = async (body: string, times: number) => {
    const headers = signSlackRequest(SIGNING_SECRET, body);
    const replies: Array<{ status: number; text: string }> = [];
    for (let i = 0; i < times; i += 1) {
      const res = await fetch(events(), { method: 'POST', headers, body });
      replies.push({ status: res.status, text: await res.text() });
    }
    return replies;
  };
  const ignored = (reason: string) => h.bot.metrics.value('rib_slack_requests_ignored_total', { reason });
  const jobsIn = async (queue: QueueName) => {
    const counts = await h.bot.services.queues
      .get(queue)
      .getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized');
    return Object.values(counts).reduce((a, b) => a + b, 0);
  };

  beforeAll(async () => {
    target = await startRedis();
    h = await startHarness({ targetUrl: target.url });
    const opened = await postSigned(
      events(),
      SIGNING_SECRET,
      slashCommandBody({ command: '/incident', text: 'new Replay drill', user_id: APPROVER, channel_id: CHANNEL }),
    );
    incidentId = /INC-\d+/.exec(opened.text)?.[0] ?? '';
    expect(incidentId).not.toBe('');
    await h.waitForCompleted('commands', 1);
  });
  afterAll(async () => {
    await h?.stop();
    await target?.stop();
  });

  it('gives one note for an /incident note replayed four times', async () => {
    const before = await jobsIn('commands');
    const body = slashCommandBody({
      command: '/incident',
      text: `note ${incidentId} replica lag back to 0`,
      user_id: APPROVER,
      channel_id: CHANNEL,
    });
    const [first, ...replays] = await sendRepeatedly(body, 5);
    expect(first).toMatchObject({ status: 200, text: expect.stringContaining(`Note added to ${incidentId}`) });
    expect(replays).toEqual(Array.from({ length: 4 }, () => ({ status: 200, text: '' })));
    expect(ignored('replay')).toBe(4);
    // The replays were dropped before any listener ran: one job was queued, not five.
    expect(await jobsIn('commands')).toBe(before + 1);
    await h.waitForCompleted('commands', before + 1);
    const notes = (await h.bot.services.timeline.read(incidentId)).filter((e) => e.type === 'note');
    expect(notes.map((n) => n.text)).toEqual([expect.stringContaining('replica lag back to 0')]);

    // The same text typed again is a new request (Slack gives it a new trigger id and signature): served.
    const again = await postSigned(events(), SIGNING_SECRET, body.replace(/trigger_id=[^&]+/, 'trigger_id=2.2.2'));
    expect(again.text).toContain(`Note added to ${incidentId}`);
    expect(ignored('replay')).toBe(4);
  });

  it('runs one diagnosis for a /redis diag replayed twice', async () => {
    const before = await jobsIn('diagnostics');
    const replies = await sendRepeatedly(
      slashCommandBody({ command: '/redis', text: 'diag cache-1 redis-down', user_id: APPROVER, channel_id: CHANNEL }),
      3,
    );
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(JSON.parse(replies[0]!.text)).toMatchObject({ text: expect.stringMatching(/^Running .* on `cache-1`/) });
    expect(replies.slice(1).map((r) => r.text)).toEqual(['', '']);
    expect(await jobsIn('diagnostics')).toBe(before + 1);
    await h.waitForCompleted('diagnostics', before + 1, 60_000);
    expect(await jobsIn('diagnostics')).toBe(before + 1);
  });

  it('decides once for a replayed Reject click', async () => {
    const now = new Date();
    const id = 'P-replay-1';
    await h.bot.services.proposals.create({
      id,
      incidentId,
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
    const replayedBefore = ignored('replay');
    const replies = await sendRepeatedly(
      blockActionBody({
        actionId: 'proposal_reject',
        value: id,
        userId: APPROVER,
        channel: CHANNEL,
        messageTs: '1700000000.000200',
      }),
      3,
    );
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(ignored('replay')).toBe(replayedBefore + 2);
    await waitUntil(async () => (await h.bot.services.proposals.require(id)).status === 'rejected', {
      what: 'the proposal rejected',
    });
    await waitUntil(
      async () => (await h.bot.services.timeline.read(incidentId)).some((e) => e.type === 'proposal.rejected'),
      { what: 'the rejection on the timeline' },
    );
    const decisions = (await h.bot.services.timeline.read(incidentId)).filter((e) => e.type.startsWith('proposal.'));
    expect(decisions.map((e) => e.type)).toEqual(['proposal.rejected']);
    // A second decision would have told the clicker "already rejected".
    expect(h.slack.ephemerals().filter((m) => m.ephemeralTo === APPROVER && /already/.test(m.text))).toEqual([]);
  });

  it("acks and ignores Slack's retry of an Events API delivery (same event_id, X-Slack-Retry-Num)", async () => {
    const body = eventCallbackBody({
      eventId: 'Ev0REPLAYTEST1',
      event: { type: 'app_mention', user: APPROVER, text: '<@UBOT> status', channel: CHANNEL, ts: '1700000000.000300' },
    });
    const json = { 'Content-Type': 'application/json' };
    expect((await postSigned(events(), SIGNING_SECRET, body, { headers: json })).status).toBe(200);
    const retry = await postSigned(events(), SIGNING_SECRET, body, {
      timestamp: Math.floor(Date.now() / 1000) + 1,
      headers: { ...json, 'X-Slack-Retry-Num': '1', 'X-Slack-Retry-Reason': 'http_timeout' },
    });
    expect(retry.status).toBe(200);
    // Bolt acks events before any middleware runs, so the guard's verdict comes just after the answer.
    await waitUntil(async () => ignored('retry') === 1, { what: 'the retry counted as ignored' });
    expect(ignored('retry')).toBe(1);
  });
});

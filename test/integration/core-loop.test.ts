import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMemoryPressure, PLANTED_KEY } from '../../src/devtools/memory-pressure.js';
import { type RedisProcess, startRedis } from '../../src/devtools/redis-process.js';
import { approveButtonValue, messageText } from '../../src/devtools/slack-messages.js';
import { blockActionBody, postSigned, slashCommandBody } from '../../src/devtools/slack-signer.js';
import type { StandInMessage } from '../../src/devtools/slack-stand-in.js';
import {
  APPROVER,
  CHANNEL,
  type Harness,
  NOT_APPROVER,
  OTHER_APPROVER,
  postWebhook,
  SIGNING_SECRET,
  startHarness,
} from '../support/bot-harness.js';
import { fixtureText } from '../support/fixtures.js';

/**
 * The core loop on real parts: a real captured Alertmanager payload into the bot's HTTP edge, BullMQ on a real
 * state redis-server, the high-memory runbook against a real target redis-server under memory pressure, Slack
 * faked only at its HTTP edge (signed requests in, the stand-in Web API out).
 */
describe('core loop: alert → diagnosis → approval → fix → timeline', () => {
  let target: RedisProcess;
  let h: Harness;
  let maxmemoryBefore: number;
  let root: StandInMessage;
  let maxmemoryProposal: StandInMessage;

  // The button's value as the clicker's Slack client rendered it (possibly a stale copy of the message).
  const click = (user: string, proposal: StandInMessage, value = approveButtonValue(proposal) ?? '') =>
    postSigned(
      `${h.url}/slack/events`,
      SIGNING_SECRET,
      blockActionBody({
        actionId: 'proposal_approve',
        value,
        userId: user,
        channel: CHANNEL,
        messageTs: proposal.ts,
        threadTs: root.ts,
      }),
    );
  const threadReplies = () => h.slack.threads().find((t) => t.root.ts === root.ts)?.replies ?? [];

  beforeAll(async () => {
    target = await startRedis();
    ({ maxmemory: maxmemoryBefore } = await applyMemoryPressure(target.client(), { usedPct: 92 }));
    h = await startHarness({ targetUrl: target.url });
  });

  afterAll(async () => {
    await h?.stop();
    await target?.stop();
  });

  it('opens one incident and one thread, even when Alertmanager re-sends the notification', async () => {
    const body = fixtureText('01-RedisOutOfConfiguredMaxmemory-firing.json');
    const first = await postWebhook(h.url, body);
    const again = await postWebhook(h.url, body);
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    await h.waitForJob('alerts', (first.json as { jobId: string }).jobId);
    await h.waitForJob('alerts', (again.json as { jobId: string }).jobId);
    const roots = h.slack.threads().map((t) => t.root);
    expect(roots).toHaveLength(1);
    root = roots[0]!;
    expect(root.channel).toBe(CHANNEL);
    expect(messageText(root)).toContain('Redis out of configured maxmemory (instance redis-cache-1:6379)');
    expect(await h.bot.services.store.listOpen()).toHaveLength(1);
  });

  it('posts findings that name the planted big key and the memory figures', async () => {
    const findings = await h.slack.waitFor(() => threadReplies().find((m) => m.text.startsWith('Diagnosis')), {
      what: 'findings message',
    });
    const text = messageText(findings);
    expect(text).toContain(PLANTED_KEY);
    expect(text).toMatch(/Memory at 9\d(\.\d)?% of the limit/);
    expect(text).toContain('noeviction');
    expect(text).toMatch(/Biggest key report:cache:2026-11:full \(hash\)/);
    // figures of every step are shown, including the prefix breakdown and TTL hygiene
    expect(text).toContain('Memory by key prefix');
    expect(text).toContain('keys without TTL');
  });

  it('proposes a bounded maxmemory raise with the exact command and target', async () => {
    maxmemoryProposal = await h.slack.waitFor(
      () => threadReplies().find((m) => approveButtonValue(m) && /CONFIG SET maxmemory \d/.test(messageText(m))),
      { what: 'maxmemory proposal' },
    );
    const text = messageText(maxmemoryProposal);
    const raised = Math.round(maxmemoryBefore * 1.2);
    expect(text).toContain(`CONFIG SET maxmemory ${raised}`);
    expect(text).toContain('cache-1');
  });

  it("refuses a non-approver's click privately and runs nothing", async () => {
    const res = await click(NOT_APPROVER, maxmemoryProposal);
    expect(res.status).toBe(200);
    const refusal = await h.slack.waitFor(() => h.slack.ephemerals().find((m) => m.ephemeralTo === NOT_APPROVER), {
      what: 'refusal',
    });
    expect(refusal.text).toMatch(/Not approved/);
    const id = approveButtonValue(maxmemoryProposal)!;
    expect((await h.bot.services.proposals.require(id)).status).toBe('pending');
    expect(Number((await target.client().config('GET', 'maxmemory'))[1])).toBe(maxmemoryBefore);
  });

  it("runs an approver's fix exactly once, verifies it on the Redis and edits the proposal", async () => {
    const id = approveButtonValue(maxmemoryProposal)!;
    expect((await click(APPROVER, maxmemoryProposal)).status).toBe(200);
    expect(await h.waitForJob('remediations', id)).toBe('executed');
    const result = await h.slack.waitFor(
      () => threadReplies().find((m) => m.text.startsWith('Raise maxmemory on cache-1: executed')),
      { what: 'result' },
    );
    expect(messageText(result)).toMatch(/before: maxmemory=.*after: maxmemory=/s);
    const [, now] = (await target.client().config('GET', 'maxmemory')) as [string, string];
    expect(Number(now)).toBe(Math.round(maxmemoryBefore * 1.2));
    const edited = h.slack.messages().find((m) => m.ts === maxmemoryProposal.ts)!;
    expect(edited.edits).toBeGreaterThan(0);
    expect(approveButtonValue(edited)).toBeUndefined();
    expect(messageText(edited)).toContain(`<@${APPROVER}>`);

    // A second click, a retry of the job and a second worker all find the ledger entry and do nothing.
    await click(OTHER_APPROVER, edited, id);
    const second = await h.slack.waitFor(() => h.slack.ephemerals().find((m) => m.ephemeralTo === OTHER_APPROVER), {
      what: 'second click reply',
    });
    expect(second.text).toMatch(/already executed|already approved/);
    const retryId = await h.bot.services.queues.add('remediations', { proposalId: id }, `${id}-retry`);
    expect(await h.waitForJob('remediations', retryId)).toBe('duplicate');
    const events = await h.bot.services.timeline.read((await h.bot.services.store.listOpen())[0]!.id);
    expect(events.filter((e) => e.type === 'action.executed')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'proposal.approved')).toHaveLength(1);
  });

  it('records who rejected a proposal and removes its buttons', async () => {
    const purge = h.slack.messages().find((m) => approveButtonValue(m) && messageText(m).includes('MEMORY PURGE'));
    expect(purge, 'a MEMORY PURGE proposal (fragmentation > 1.5 on this small instance)').toBeDefined();
    const id = approveButtonValue(purge!)!;
    const res = await postSigned(
      `${h.url}/slack/events`,
      SIGNING_SECRET,
      blockActionBody({
        actionId: 'proposal_reject',
        value: id,
        userId: OTHER_APPROVER,
        channel: CHANNEL,
        messageTs: purge!.ts,
        threadTs: root.ts,
      }),
    );
    expect(res.status).toBe(200);
    const edited = await h.slack.waitFor(() => h.slack.messages().find((m) => m.ts === purge!.ts && m.edits > 0), {
      what: 'rejected proposal',
    });
    expect(messageText(edited)).toMatch(new RegExp(`rejected\\s+by <@${OTHER_APPROVER}>`));
    expect(approveButtonValue(edited)).toBeUndefined();
    expect((await h.bot.services.proposals.require(id)).status).toBe('rejected');
    expect(await h.bot.services.proposals.ledger(id)).toBeUndefined();
  });

  it('updates the root message in place when the alert resolves', async () => {
    const incidentId = (await h.bot.services.store.listOpen())[0]!.id;
    const res = await postWebhook(h.url, fixtureText('09-RedisOutOfConfiguredMaxmemory-resolved.json'));
    expect(res.status).toBe(202);
    await h.waitForJob('alerts', (res.json as { jobId: string }).jobId);
    expect(h.slack.threads()).toHaveLength(1);
    const card = h.slack.messages().find((m) => m.ts === root.ts)!;
    expect(messageText(card)).toMatch(/\*Status\*\n:white_check_mark: resolved/);
    expect((await h.bot.services.store.require(incidentId)).status).toBe('resolved');
  });

  it('exports a Markdown postmortem listing every timeline event in order, uploaded to the thread', async () => {
    const incident = (await h.bot.services.store.findByThread(CHANNEL, root.ts))!;
    const res = await postSigned(
      `${h.url}/slack/events`,
      SIGNING_SECRET,
      slashCommandBody({ command: '/incident', text: `export md ${incident}`, user_id: APPROVER, channel_id: CHANNEL }),
    );
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text).text).toContain(`postmortem of ${incident}`);
    const file = await h.slack.waitFor(() => h.slack.files().find((f) => f.filename === `${incident}-postmortem.md`), {
      what: 'postmortem upload',
    });
    expect(file.threadTs).toBe(root.ts);
    expect(h.slack.calls.map((c) => c.method)).toEqual(
      expect.arrayContaining(['files.getUploadURLExternal', 'files.completeUploadExternal']),
    );
    const events = await h.bot.services.timeline.read(incident);
    const types = events.map((e) => e.type);
    for (const t of [
      'incident.opened',
      'alert.fired',
      'diagnosis.started',
      'step.finished',
      'finding',
      'proposal.created',
      'proposal.refused',
      'proposal.approved',
      'action.executed',
      'alert.resolved',
      'incident.resolved',
      'command',
    ]) {
      expect(types, t).toContain(t);
    }
    // every event's text appears in the postmortem, in timeline order
    let from = 0;
    for (const e of events.filter((x) => x.type !== 'export')) {
      const needle = e.text.slice(0, 40).replace(/\|/g, '\\|');
      const at = file.content.indexOf(needle, from);
      expect(at, `event ${e.type} "${needle}" after offset ${from}`).toBeGreaterThanOrEqual(0);
      from = at;
    }
  });

  it('posts the timeline in the thread on /incident timeline', async () => {
    const res = await postSigned(
      `${h.url}/slack/events`,
      SIGNING_SECRET,
      slashCommandBody({ command: '/incident', text: 'timeline', user_id: APPROVER, channel_id: CHANNEL }),
    );
    expect(res.status).toBe(200);
    // The incident is resolved now, so it is no longer "the open one in this channel": the bot asks for an id.
    expect(JSON.parse(res.text).text).toMatch(/name one/);
    const incident = (await h.bot.services.store.findByThread(CHANNEL, root.ts))!;
    await postSigned(
      `${h.url}/slack/events`,
      SIGNING_SECRET,
      slashCommandBody({ command: '/incident', text: `timeline ${incident}`, user_id: APPROVER, channel_id: CHANNEL }),
    );
    const posted = await h.slack.waitFor(
      () => threadReplies().find((m) => m.text.startsWith(`Timeline of ${incident}`)),
      { what: 'timeline' },
    );
    expect(messageText(posted)).toContain('proposal.approved');
  });
});

import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMemoryPressure } from '../../../src/devtools/memory-pressure.js';
import { type RedisProcess, startRedis } from '../../../src/devtools/redis-process.js';
import { approveButtonValue, messageText } from '../../../src/devtools/slack-messages.js';
import { blockActionBody, postSigned } from '../../../src/devtools/slack-signer.js';
import type { StandInMessage } from '../../../src/devtools/slack-stand-in.js';
import { formatBytes } from '../../../src/kernel/bytes.js';
import {
  APPROVER,
  CHANNEL,
  type Harness,
  postWebhook,
  SIGNING_SECRET,
  startHarness,
} from '../../support/bot-harness.js';
import { type BotProcess, startBotProcess } from '../../support/bot-process.js';
import { fixtureText } from '../../support/fixtures.js';

/** How many times the target ran CONFIG SET since its stats were reset: the write ran at most once. */
async function configSetCalls(client: Redis): Promise<number> {
  const m = /cmdstat_config\|set:calls=(\d+)/.exec(await client.info('commandstats'));
  return m ? Number(m[1]) : 0;
}

/**
 * A worker PROCESS SIGKILLed in the middle of an approved fix, at a phase the REMEDIATION_PAUSE_AT hook holds it at
 * (it says so on a list the test BLPOPs, no sleeps), then a second worker process: its sweeper takes the expired
 * lease over, reads the target and reports whether the write happened — never running it again.
 */
describe.each([
  { phase: 'claimed', applied: false },
  { phase: 'written', applied: true },
])('a worker killed at $phase', ({ phase, applied }) => {
  let target: RedisProcess;
  let h: Harness;
  let watcher: Redis;
  let first: BotProcess | undefined;
  let second: BotProcess | undefined;
  let maxmemoryBefore: number;

  beforeAll(async () => {
    target = await startRedis();
    ({ maxmemory: maxmemoryBefore } = await applyMemoryPressure(target.client(), { usedPct: 92 }));
    h = await startHarness({ targetUrl: target.url, role: 'web', env: { REMEDIATION_LEASE_MS: '1000' } });
    watcher = h.state.client().duplicate();
  });

  afterAll(async () => {
    await first?.kill();
    await second?.kill();
    watcher?.disconnect();
    await h?.stop();
    await target?.stop();
  });

  it(`reports that the fix ${applied ? 'did' : 'did not'} apply, once, and runs the write at most once`, async () => {
    first = startBotProcess({ ...h.env, ROLE: 'worker', REMEDIATION_PAUSE_AT: phase });
    const res = await postWebhook(h.url, fixtureText('01-RedisOutOfConfiguredMaxmemory-firing.json'));
    expect(res.status).toBe(202);
    const replies = () => h.slack.threads()[0]?.replies ?? [];
    const proposal: StandInMessage = await h.slack.waitFor(
      () => replies().find((m) => approveButtonValue(m) && /CONFIG SET maxmemory \d/.test(messageText(m))),
      { what: 'maxmemory proposal', timeoutMs: 60_000 },
    );
    const id = approveButtonValue(proposal)!;
    await target.client().config('RESETSTAT');
    const click = await postSigned(
      `${h.url}/slack/events`,
      SIGNING_SECRET,
      blockActionBody({
        actionId: 'proposal_approve',
        value: id,
        userId: APPROVER,
        channel: CHANNEL,
        messageTs: proposal.ts,
        threadTs: h.slack.threads()[0]!.root.ts,
      }),
    );
    expect(click.status).toBe(200);

    // The first worker stops right after recording `phase`; kill it there.
    const paused = await watcher.blpop(`${h.env.KEY_PREFIX}:test:paused`, 60);
    expect(paused?.[1]).toBe(`${id}:${phase}`);
    await first.kill('SIGKILL');
    expect(JSON.parse((await h.bot.services.proposals.ledger(id)) ?? '{}').phase).toBe(phase);
    expect((await h.bot.services.proposals.require(id)).status).toBe('approved');

    second = startBotProcess({ ...h.env, ROLE: 'worker' });
    const raised = Math.round(maxmemoryBefore * 1.2);
    const now = applied ? raised : maxmemoryBefore;
    const report = await h.slack.waitFor(
      () => replies().find((m) => m.ts !== proposal.ts && m.text.startsWith('Raise maxmemory on cache-1: interrupted')),
      { what: 'interrupted report', timeoutMs: 60_000 },
    );
    expect(messageText(report)).toContain(
      `maxmemory is now ${formatBytes(now)}, so the fix ${applied ? 'did' : 'did not'} apply`,
    );

    // A re-delivery of the job afterwards (BullMQ's stalled-job check, a manual re-enqueue) runs nothing.
    const again = await h.bot.services.queues.add('remediations', { proposalId: id }, `${id}-again`);
    expect(await h.waitForJob('remediations', again, 60_000)).toBe('duplicate');

    expect(Number((await target.client().config('GET', 'maxmemory'))[1])).toBe(now);
    expect(await configSetCalls(target.client())).toBe(applied ? 1 : 0);
    const ledger = JSON.parse((await h.bot.services.proposals.ledger(id)) ?? '{}');
    expect(ledger).toMatchObject({ phase: 'done', status: 'interrupted', applied });
    const p = await h.bot.services.proposals.require(id);
    expect(p.status).toBe('interrupted');
    expect(p.result).toContain(`so the fix ${applied ? 'did' : 'did not'} apply`);
    const incidentId = (await h.bot.services.store.listOpen())[0]!.id;
    const events = await h.bot.services.timeline.read(incidentId);
    expect(events.filter((e) => e.type === 'action.interrupted')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'action.executed')).toHaveLength(0);
    // Once in the thread (the proposal message itself, redrawn, also says "interrupted").
    expect(replies().filter((m) => m.ts !== proposal.ts && m.text.includes(': interrupted'))).toHaveLength(1);
    const redrawn = h.slack.messages().find((m) => m.ts === proposal.ts)!;
    expect(approveButtonValue(redrawn)).toBeUndefined();
    expect(messageText(redrawn)).toContain('interrupted');
    expect(messageText(redrawn)).not.toContain('approved, running');
  });
});

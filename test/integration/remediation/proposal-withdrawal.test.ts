import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisProcess, startRedis } from '../../../src/devtools/redis-process.js';
import type { Proposal } from '../../../src/remediation/proposal.js';
import { ProposalStore } from '../../../src/remediation/proposal-store.js';

function proposal(id: string, incidentId: string, status: Proposal['status']): Proposal {
  return {
    id,
    incidentId,
    action: 'memory-purge',
    title: 'Release allocator memory',
    target: 'cache-1',
    params: '{}',
    command: 'MEMORY PURGE',
    reason: 'fragmentation',
    risk: '',
    status,
    requester: 'bot',
    createdAt: '2026-11-23T14:05:00.000Z',
    expiresAt: '2999-01-01T00:00:00.000Z',
    decidedBy: '',
    decidedAt: '',
    channel: 'C0INC',
    messageTs: '1700000000.000300',
    result: '',
  };
}

/** Withdrawal on a real redis-server: pending → withdrawn for one incident, in one step, racing Approve clicks. */
describe('ProposalStore.withdrawPending', () => {
  let state: RedisProcess;
  let redis: Redis;

  beforeAll(async () => {
    state = await startRedis();
    redis = state.client();
  });
  afterAll(async () => {
    await state?.stop();
  });

  it('withdraws only the pending proposals of that incident and records when and why', async () => {
    const store = new ProposalStore(redis, 'w1');
    await store.create(proposal('P-a1', 'INC-1', 'pending'));
    await store.create(proposal('P-a2', 'INC-1', 'pending'));
    await store.create(proposal('P-a3', 'INC-1', 'executed'));
    await store.create(proposal('P-b1', 'INC-2', 'pending'));
    const at = new Date('2026-11-23T14:40:00.000Z');
    expect((await store.withdrawPending('INC-1', 'incident resolved', at)).sort()).toEqual(['P-a1', 'P-a2']);
    expect(await store.require('P-a1')).toMatchObject({
      status: 'withdrawn',
      decidedAt: at.toISOString(),
      result: 'incident resolved',
    });
    expect((await store.require('P-a3')).status).toBe('executed');
    expect((await store.require('P-b1')).status).toBe('pending');
    // Again: nothing left to withdraw, nothing changes; an incident without proposals is fine too.
    expect(await store.withdrawPending('INC-1', 'incident resolved', at)).toEqual([]);
    expect(await store.withdrawPending('INC-9', 'incident resolved', at)).toEqual([]);
    // An Approve after the withdrawal finds it withdrawn and changes nothing.
    expect(await store.decide('P-a1', 'approved', 'U0ALICE', new Date())).toBe('withdrawn');
    expect((await store.require('P-a1')).decidedBy).toBe('');
  });

  it('a proposal approved before the resolution stays approved; clicks from another connection race it safely', async () => {
    const store = new ProposalStore(redis, 'w2');
    const clicker = new ProposalStore(state.client(), 'w2');
    const ids = Array.from({ length: 40 }, (_, i) => `P-r${i}`);
    for (const id of ids) await store.create(proposal(id, 'INC-1', 'pending'));
    expect(await clicker.decide('P-r0', 'approved', 'U0ALICE', new Date())).toBe('ok');
    // The rest are clicked on a second connection while the withdrawal runs: each ends one way, never both.
    const [decisions, withdrawn] = await Promise.all([
      Promise.all(ids.slice(1).map((id) => clicker.decide(id, 'approved', 'U0ALICE', new Date()))),
      store.withdrawPending('INC-1', 'incident resolved', new Date()),
    ]);
    expect(withdrawn).not.toContain('P-r0');
    expect((await store.require('P-r0')).status).toBe('approved');
    for (const [i, id] of ids.slice(1).entries()) {
      const status = (await store.require(id)).status;
      expect([decisions[i], status]).toEqual(decisions[i] === 'ok' ? ['ok', 'approved'] : ['withdrawn', 'withdrawn']);
      expect(withdrawn.includes(id)).toBe(status === 'withdrawn');
    }
  });
});

import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TargetSchema } from '../../../src/config/config-file.js';
import { freePort, type RedisProcess, startRedis } from '../../../src/devtools/redis-process.js';
import { IncidentStore } from '../../../src/incidents/incident-store.js';
import { IncidentThread } from '../../../src/incidents/incident-thread.js';
import { Timeline } from '../../../src/incidents/timeline.js';
import { createLogger } from '../../../src/kernel/logger.js';
import { ACTIONS } from '../../../src/remediation/action-catalog.js';
import { ExecutionLedger } from '../../../src/remediation/execution-ledger.js';
import { ExecutionRecovery } from '../../../src/remediation/execution-recovery.js';
import { ProposalStore } from '../../../src/remediation/proposal-store.js';
import { Outbox } from '../../../src/slack/delivery/outbox.js';
import { TargetRegistry } from '../../../src/targets/target-registry.js';

const logger = createLogger('silent');

/** The ledger's owner-token rules and the recovery of a run whose target cannot be read, on a real redis-server. */
describe('execution ledger and leases', () => {
  let state: RedisProcess;
  let redis: Redis;
  let n = 0;
  const fresh = () => `P-t${++n}`;

  beforeAll(async () => {
    state = await startRedis();
    redis = state.client();
  });
  afterAll(async () => {
    await state?.stop();
  });

  it('claims once; only the lease owner advances, finishes or releases', async () => {
    const ledger = new ExecutionLedger(redis, 'l1');
    const id = fresh();
    expect(await ledger.claim(id, 'tok-a', 'w1', 10_000)).toBe(true);
    expect(await ledger.claim(id, 'tok-b', 'w2', 10_000)).toBe(false);
    expect(await ledger.advance(id, 'tok-b', { phase: 'writing', owner: 'w2', at: '' })).toBe(false);
    expect((await ledger.read(id))?.phase).toBe('claimed');
    expect(await ledger.advance(id, 'tok-a', { phase: 'writing', owner: 'w1', at: '' })).toBe(true);
    expect(await ledger.takeOver(id, 'tok-b', 10_000)).toBe(false); // live lease
    await ledger.release(id, 'tok-b');
    expect(await ledger.leaseLive(id)).toBe(true);
    expect(await ledger.unfinished()).toContain(id);
    expect(await ledger.finish(id, 'tok-a', { owner: 'w1', at: '', status: 'executed' })).toBe(true);
    expect(await ledger.leaseLive(id)).toBe(false);
    expect(await ledger.unfinished()).not.toContain(id);
    expect(await ledger.claim(id, 'tok-c', 'w3', 10_000)).toBe(false); // done is never re-claimed
  });

  it('a worker whose lease was taken over can no longer record anything, and its renewer says so', async () => {
    const ledger = new ExecutionLedger(redis, 'l2');
    const id = fresh();
    await ledger.claim(id, 'tok-a', 'w1', 10_000);
    const lost = new Promise<void>((resolve) => {
      const keeper = ledger.keepAlive(id, 'tok-a', 300, Date.now() + 60_000, () => {
        keeper.stop();
        resolve();
      });
    });
    await redis.del(`l2:lease:${id}`); // the lease expired…
    expect(await ledger.takeOver(id, 'tok-r', 10_000)).toBe(true); // …and a recoverer took it
    await lost;
    expect(await redis.get(`l2:lease:${id}`)).toBe('tok-r'); // the old owner's renewal did not touch it
    expect(await ledger.advance(id, 'tok-a', { phase: 'writing', owner: 'w1', at: '' })).toBe(false);
    expect(await ledger.finish(id, 'tok-a', { owner: 'w1', at: '', status: 'executed' })).toBe(false);
  });

  it('reports a run whose target cannot be read as interrupted, for a human, without writing', async () => {
    const prefix = 'l3';
    const ledger = new ExecutionLedger(redis, prefix);
    const proposals = new ProposalStore(redis, prefix);
    const id = fresh();
    const target = TargetSchema.parse({
      name: 'cache-1',
      url: `redis://127.0.0.1:${await freePort()}`,
      workload: 'cache',
      match: { instance: 'x' },
    });
    await proposals.create({
      id,
      incidentId: 'INC-1',
      action: 'config-set-maxmemory',
      title: 'Raise maxmemory',
      target: 'cache-1',
      params: JSON.stringify({ fromBytes: 1000, toBytes: 1200 }),
      command: 'CONFIG SET maxmemory 1200',
      reason: 'r',
      risk: '',
      status: 'approved',
      requester: 'bot',
      createdAt: '',
      expiresAt: '',
      decidedBy: 'U0ALICE',
      decidedAt: '',
      channel: '',
      messageTs: '',
      result: '',
    });
    const redrawn: string[] = [];
    const timeline = new Timeline(redis, prefix);
    const outbox = new Outbox(redis, prefix);
    const recovery = new ExecutionRecovery({
      redis,
      prefix,
      ledger,
      proposals,
      timeline,
      thread: new IncidentThread(new IncidentStore(redis, prefix), proposals, outbox),
      targets: new TargetRegistry([target]),
      actions: ACTIONS,
      proposalService: {
        redraw: async (p: string) => void redrawn.push(p),
        redrawIn: (tx, p: string) => {
          redrawn.push(p);
          return tx;
        },
      },
      leaseMs: 1000,
    });
    await ledger.claim(id, 'tok-a', 'w1', 10_000);
    await ledger.advance(id, 'tok-a', { phase: 'writing', owner: 'w1', at: '' });
    expect(await recovery.recover(id, logger)).toBe('busy'); // the owner is alive
    await redis.del(`${prefix}:lease:${id}`); // its lease expired
    expect(await recovery.sweep(logger)).toBe(1);
    // The report is owed once, under the proposal's result key, in the incident's thread.
    const posts = async () => redis.lrange(`${prefix}:outbox:lane:t:INC-1`, 0, -1);
    expect(await posts()).toEqual([`post:result:${id}`]);
    const owed = await redis.hget(`${prefix}:outbox:fx:post:result:${id}`, 'message');
    expect(owed).toMatch(/interrupted at writing .*could not read the target: .*check it by hand, nothing was re-run/);
    expect((await timeline.read('INC-1')).map((e) => e.type)).toEqual(['action.interrupted']);
    expect(redrawn).toEqual([id]);
    expect((await proposals.require(id)).status).toBe('interrupted');
    const entry = await ledger.read(id);
    expect(entry).toMatchObject({ phase: 'done', status: 'interrupted' });
    expect(entry?.applied).toBeUndefined();
    expect(await recovery.sweep(logger)).toBe(0); // reported once
    expect(await posts()).toEqual([`post:result:${id}`]);
  });
});

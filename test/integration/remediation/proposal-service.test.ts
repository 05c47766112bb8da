import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type ConfigFile, TargetSchema } from '../../../src/config/config-file.js';
import { type RedisProcess, startRedis } from '../../../src/devtools/redis-process.js';
import { newIncident } from '../../../src/incidents/incident.js';
import { IncidentStore } from '../../../src/incidents/incident-store.js';
import { IncidentThread } from '../../../src/incidents/incident-thread.js';
import { Timeline } from '../../../src/incidents/timeline.js';
import { createLogger } from '../../../src/kernel/logger.js';
import { OwedJobs } from '../../../src/kernel/owed-jobs.js';
import type { RemediationAction } from '../../../src/remediation/action.js';
import { type ProposalRequest, ProposalService, proposalKey } from '../../../src/remediation/proposal-service.js';
import { ProposalStore } from '../../../src/remediation/proposal-store.js';
import type { RemediationJob } from '../../../src/remediation/remediation-job.js';
import { Outbox } from '../../../src/slack/delivery/outbox.js';
import { TargetRegistry } from '../../../src/targets/target-registry.js';

const logger = createLogger('silent');
const approvals: ConfigFile['approvals'] = { approvers: ['U0ALICE'], twoPersonRule: true, expiresAfter: 900_000 };
const ToSchema = z.object({ to: z.number() });

/** A stand-in action: plans `{ to }` from `rule.to`, declines when the rule gives none. */
function action(name: string, workloads: RemediationAction['workloads']): RemediationAction<typeof ToSchema> {
  return {
    name,
    title: `Title of ${name}`,
    paramsSchema: ToSchema,
    workloads,
    risk: 'none',
    planOptionsSchema: z.object({ to: z.number().optional() }),
    plan: (_metrics, options) => (typeof options.to === 'number' ? { to: options.to } : undefined),
    command: (p) => `DO ${name} ${p.to}`,
    precondition: async () => ({ ok: true, reason: '', before: {} }),
    execute: async () => 'OK',
    verify: async () => ({ ok: true, summary: '', after: {} }),
  };
}

const req = (over: Partial<ProposalRequest>): ProposalRequest => ({
  action: 'a-any',
  target: 'cache-1',
  ruleParams: { to: 1 },
  metrics: {},
  reason: 'because',
  ...over,
});

let server: RedisProcess;
let redis: Redis;
let n = 0;

beforeAll(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
});
afterAll(async () => {
  redis.disconnect();
  await server.stop();
});

/** The service over real stores and a real outbox on a throwaway redis-server, each test under its own prefix. */
async function setup() {
  const prefix = `ps${++n}`;
  const store = new IncidentStore(redis, prefix);
  const proposals = new ProposalStore(redis, prefix);
  const timeline = new Timeline(redis, prefix);
  const outbox = new Outbox(redis, prefix);
  const enqueued: Array<{ name: string; data: RemediationJob; jobId?: string }> = [];
  const jobs = new OwedJobs<{ remediations: RemediationJob }>(redis, prefix, {
    add: async (name, data, jobId) => {
      enqueued.push({ name, data, ...(jobId ? { jobId } : {}) });
      return jobId ?? '';
    },
  });
  const service = new ProposalService({
    proposals,
    incidents: store,
    timeline,
    thread: new IncidentThread(store, proposals, outbox),
    jobs,
    targets: new TargetRegistry([
      TargetSchema.parse({ name: 'cache-1', url: 'redis://127.0.0.1:1', workload: 'cache', match: { i: 'a' } }),
      TargetSchema.parse({ name: 'queue-1', url: 'redis://127.0.0.1:2', workload: 'queue', match: { i: 'b' } }),
      TargetSchema.parse({ name: 'cl-1', cluster: { nodes: ['127.0.0.1:3'] }, workload: 'cache', match: { i: 'c' } }),
    ]),
    actions: new Map<string, RemediationAction>([
      ['a-any', action('a-any', ['cache', 'session', 'queue'])],
      ['a-cache', action('a-cache', ['cache'])],
    ]),
    approvals,
  });
  await store.create(
    newIncident({
      id: 'INC-1',
      title: 't',
      severity: 'sev2',
      target: 'cache-1',
      targetHint: 'cache-1',
      channel: 'C0INC',
      groupKey: 'g',
      alertname: 'A',
      createdAt: new Date().toISOString(),
    }),
  );
  /** The thread posts owed so far, in lane order. */
  const owedPosts = async () => redis.lrange(`${prefix}:outbox:lane:t:INC-1`, 0, -1);
  return { service, proposals, timeline, owedPosts, enqueued };
}

describe('ProposalService.propose', () => {
  it('stores each proposal, puts it on the timeline and owes its message, in request order', async () => {
    const { service, proposals, timeline, owedPosts } = await setup();
    await service.propose('INC-1', [req({ ruleParams: { to: 1 } }), req({ action: 'a-cache' })], 'U0BOB', logger, 'd1');
    const stored = await proposals.listForIncident('INC-1');
    expect(stored.map((p) => p.action).sort()).toEqual(['a-any', 'a-cache']);
    const [first] = stored.filter((p) => p.action === 'a-any');
    expect(first).toMatchObject({ incidentId: 'INC-1', status: 'pending', requester: 'U0BOB', params: '{"to":1}' });
    expect(Date.parse(first?.expiresAt ?? '') - Date.parse(first?.createdAt ?? '')).toBe(900_000);
    const events = (await timeline.read('INC-1')).filter((e) => e.type === 'proposal.created');
    expect(events.map((e) => e.data.action)).toEqual(['a-any', 'a-cache']);
    const posts = await owedPosts();
    expect(posts).toEqual(events.map((e) => `post:${proposalKey(String(e.data.proposalId))}`));
  });

  it('offers the same fix once while it is pending, whatever diagnosis asks for it, and once per diagnosis re-run', async () => {
    const { service, proposals, owedPosts } = await setup();
    await service.propose('INC-1', [req({})], 'bot', logger, 'diag-a');
    await service.propose('INC-1', [req({})], 'bot', logger, 'diag-a'); // the same job re-run
    await service.propose('INC-1', [req({ reason: 'other words' })], 'U0BOB', logger, 'diag-b'); // /redis diag
    await service.propose('INC-1', [req({ ruleParams: { to: 2 } })], 'bot', logger, 'diag-b'); // another fix
    const stored = await proposals.listForIncident('INC-1');
    expect(stored.map((p) => p.params).sort()).toEqual(['{"to":1}', '{"to":2}']);
    expect(await owedPosts()).toHaveLength(2);
  });

  it('offers a fix again once the earlier one is decided', async () => {
    const { service, proposals, enqueued } = await setup();
    await service.propose('INC-1', [req({})], 'U0BOB', logger, 'diag-a');
    const [first] = await proposals.listForIncident('INC-1');
    expect(await service.decide(first?.id ?? '', 'rejected', 'U0ALICE', logger)).toBeUndefined();
    await service.propose('INC-1', [req({})], 'U0BOB', logger, 'diag-b');
    const all = await proposals.listForIncident('INC-1');
    expect(all.map((p) => p.status).sort()).toEqual(['pending', 'rejected']);
    expect(enqueued).toEqual([]);
  });

  it('skips unknown actions, actions not allowed for the workload and requests the planner declines', async () => {
    const { service, proposals } = await setup();
    await service.propose(
      'INC-1',
      [
        req({ action: 'nope' }),
        req({ action: 'a-cache', target: 'queue-1' }),
        req({ ruleParams: {} }),
        req({ target: 'queue-1' }),
      ],
      'bot',
      logger,
      'd',
    );
    expect((await proposals.listForIncident('INC-1')).map((p) => `${p.action} ${p.target}`)).toEqual(['a-any queue-1']);
  });

  it('proposes nothing on a cluster target (a one-click write would land on an arbitrary node)', async () => {
    const { service, proposals, owedPosts } = await setup();
    await service.propose(
      'INC-1',
      [req({ target: 'cl-1' }), req({ target: 'cl-1', action: 'a-cache' })],
      'bot',
      logger,
      'd',
    );
    expect(await proposals.listForIncident('INC-1')).toEqual([]);
    expect(await owedPosts()).toEqual([]);
  });
});

describe('ProposalService.decide', () => {
  it('commits an approval with its timeline entry and the remediation job it owes, then enqueues it once', async () => {
    const { service, proposals, timeline, enqueued } = await setup();
    await service.propose('INC-1', [req({})], 'U0BOB', logger, 'd');
    const [p] = await proposals.listForIncident('INC-1');
    const id = p?.id ?? '';
    expect(await service.decide(id, 'approved', 'U0ALICE', logger)).toBeUndefined();
    expect(await service.decide(id, 'approved', 'U0ALICE', logger)).toMatch(/already approved/);
    expect(enqueued).toEqual([{ name: 'remediations', data: { proposalId: id }, jobId: id }]);
    expect((await proposals.get(id))?.status).toBe('approved');
    const types = (await timeline.read('INC-1')).map((e) => e.type);
    expect(types.filter((t) => t === 'proposal.approved')).toHaveLength(1);
  });
});

import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type ConfigFile, TargetSchema } from '../../../src/config/config-file.js';
import type { IncidentStore } from '../../../src/incidents/incident-store.js';
import type { IncidentThread } from '../../../src/incidents/incident-thread.js';
import type { Timeline } from '../../../src/incidents/timeline.js';
import type { Queues } from '../../../src/jobs/queues.js';
import { createLogger } from '../../../src/kernel/logger.js';
import type { RemediationAction } from '../../../src/remediation/action.js';
import type { Proposal } from '../../../src/remediation/proposal.js';
import { type ProposalRequest, ProposalService } from '../../../src/remediation/proposal-service.js';
import type { ProposalStore } from '../../../src/remediation/proposal-store.js';
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

/** The service over in-memory stand-ins that write every effect, in order, to one log. */
function setup() {
  const effects: string[] = [];
  const stored = new Map<string, Proposal>();
  const proposals = {
    create: async (p: Proposal) => {
      stored.set(p.id, { ...p });
      effects.push(`create ${p.action}`);
    },
    update: async (id: string, fields: Partial<Proposal>) => {
      Object.assign(stored.get(id) ?? {}, fields);
      effects.push(`update ${stored.get(id)?.action} ${fields.messageTs}`);
    },
  } as unknown as ProposalStore;
  const incidents = { require: async () => ({ id: 'INC-1', channel: 'C0INC' }) } as unknown as IncidentStore;
  let posts = 0;
  const thread = {
    post: async (_id: string, m: { text: string }) => {
      effects.push(`post ${m.text}`);
      return `1700000000.00000${++posts}`;
    },
  } as unknown as IncidentThread;
  const timeline = {
    append: async (_id: string, e: { type: string; data: { action: string } }) => {
      effects.push(`${e.type} ${e.data.action}`);
    },
  } as unknown as Timeline;
  const targets = new TargetRegistry([
    TargetSchema.parse({ name: 'cache-1', url: 'redis://127.0.0.1:1', workload: 'cache', match: { i: 'a' } }),
    TargetSchema.parse({ name: 'queue-1', url: 'redis://127.0.0.1:2', workload: 'queue', match: { i: 'b' } }),
    TargetSchema.parse({ name: 'cl-1', cluster: { nodes: ['127.0.0.1:3'] }, workload: 'cache', match: { i: 'c' } }),
  ]);
  const actions = new Map<string, RemediationAction>([
    ['a-any', action('a-any', ['cache', 'session', 'queue'])],
    ['a-cache', action('a-cache', ['cache'])],
  ]);
  const service = new ProposalService({
    proposals,
    incidents,
    timeline,
    thread,
    queues: {} as Queues,
    targets,
    actions,
    approvals,
  });
  return { service, effects, stored };
}

const req = (over: Partial<ProposalRequest>): ProposalRequest => ({
  action: 'a-any',
  target: 'cache-1',
  ruleParams: { to: 1 },
  metrics: {},
  reason: 'because',
  ...over,
});

describe('ProposalService.propose', () => {
  it('stores, posts, binds the message and records each proposal before the next, in request order', async () => {
    const { service, effects, stored } = setup();
    await service.propose('INC-1', [req({ ruleParams: { to: 1 } }), req({ action: 'a-cache' })], 'U0BOB', logger);
    expect(effects).toEqual([
      'create a-any',
      'post Proposed fix on cache-1: DO a-any 1 — awaiting approval',
      'update a-any 1700000000.000001',
      'proposal.created a-any',
      'create a-cache',
      'post Proposed fix on cache-1: DO a-cache 1 — awaiting approval',
      'update a-cache 1700000000.000002',
      'proposal.created a-cache',
    ]);
    const [first] = [...stored.values()];
    expect(first).toMatchObject({
      incidentId: 'INC-1',
      status: 'pending',
      requester: 'U0BOB',
      reason: 'because',
      params: '{"to":1}',
      channel: 'C0INC',
    });
    expect(Date.parse(first!.expiresAt) - Date.parse(first!.createdAt)).toBe(900_000);
  });

  it('skips unknown actions, actions not allowed for the workload and requests the planner declines', async () => {
    const { service, effects } = setup();
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
    );
    expect(effects.filter((e) => e.startsWith('create'))).toEqual(['create a-any']);
  });

  it('proposes nothing on a cluster target (a one-click write would land on an arbitrary node)', async () => {
    const { service, effects } = setup();
    await service.propose(
      'INC-1',
      [req({ target: 'cl-1' }), req({ target: 'cl-1', action: 'a-cache' })],
      'bot',
      logger,
    );
    expect(effects).toEqual([]);
  });
});

import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATUS_PAGE_SIZE } from '../../../src/blocks/replies.js';
import { NAMED_AT_MOST } from '../../../src/commands/find-incident.js';
import { IncidentCommandIntake } from '../../../src/commands/incident/intake.js';
import type { IncidentJobs } from '../../../src/commands/incident/jobs.js';
import { type RedisProcess, startRedis } from '../../../src/devtools/redis-process.js';
import { newIncident } from '../../../src/incidents/incident.js';
import { IncidentStore } from '../../../src/incidents/incident-store.js';
import { Timeline } from '../../../src/incidents/timeline.js';
import type { Enqueue } from '../../../src/kernel/enqueue.js';
import { createLogger } from '../../../src/kernel/logger.js';
import { TargetRegistry } from '../../../src/targets/target-registry.js';

/** `/incident status` and commands without an id, answered from the open-incident indexes on a real redis-server. */
describe('/incident status over many open incidents', () => {
  let redis: RedisProcess;
  let client: Redis;
  let store: IncidentStore;
  let intake: IncidentCommandIntake;
  const queued: string[] = [];
  const logger = createLogger('silent');
  const ctx = { user: 'U0ALICE', channel: 'C1' };

  beforeAll(async () => {
    redis = await startRedis();
    client = redis.client();
    store = new IncidentStore(client, 'st');
    const queues: Enqueue<IncidentJobs> = {
      add: async (name) => {
        queued.push(name);
        return `job-${queued.length}`;
      },
    };
    intake = new IncidentCommandIntake({
      store,
      timeline: new Timeline(client, 'st'),
      queues,
      defaultChannel: 'C1',
      targets: new TargetRegistry([]),
      channels: { request: async () => {} },
    });
    const base = Date.parse('2026-03-01T10:00:00.000Z');
    // 45 open in C1 (every fifth one sev2, titles an attacker chose), 3 resolved, 5 open in C2.
    for (let n = 1; n <= 53; n++) {
      await store.create(
        newIncident({
          id: `INC-${n}`,
          title: `<!channel> evil <http://x|y> ${n}`,
          severity: n % 5 === 0 ? 'sev2' : 'sev3',
          channel: n > 48 ? 'C2' : 'C1',
          target: n > 48 ? 'sessions' : 'cache',
          createdAt: new Date(base + n * 1000).toISOString(),
        }),
      );
    }
    for (const n of [1, 2, 3]) await store.update(`INC-${n}`, { status: 'resolved' });
  });

  afterAll(async () => {
    await redis.stop();
  });

  it('answers one page, most severe first then newest, with the count and the next page', async () => {
    const text = await intake.handle('status', ctx, logger);
    expect(text).toContain('*Open incidents (50)* — 1–20, most severe first, then newest:');
    const lines = text.split('\n').filter((l) => l.startsWith('• '));
    expect(lines).toHaveLength(STATUS_PAGE_SIZE);
    // The ten sev2 incidents (50, 45, …, 5) lead, newest first.
    expect(lines[0]).toMatch(/^• INC-50 \[open, sev2\]/);
    expect(lines[9]).toMatch(/^• INC-5 \[open, sev2\]/);
    expect(lines[10]).toMatch(/^• INC-53 \[open, sev3\]/);
    expect(text).toContain('…and 30 more: `/incident status page 2`');
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<http');
    expect(text.length).toBeLessThan(40_000);
  });

  it('pages to the end and past it', async () => {
    const third = await intake.handle('status page 3', ctx, logger);
    expect(third.split('\n').filter((l) => l.startsWith('• '))).toHaveLength(10);
    expect(third).toContain('41–50');
    expect(third).not.toContain('more:');
    expect(await intake.handle('status page 4', ctx, logger)).toContain('Page 4 is past the end');
  });

  it('names the incident asked for, or the one open in a channel that has one', async () => {
    expect(await intake.handle('status INC-2', ctx, logger)).toMatch(/^INC-2 \[resolved, sev3\]/);
    await store.create(
      newIncident({
        id: 'INC-99',
        title: 'only one',
        severity: 'sev4',
        channel: 'C9',
        createdAt: '2026-03-02T00:00:00Z',
      }),
    );
    expect(await intake.handle('status', { ...ctx, channel: 'C9' }, logger)).toMatch(/^INC-99 \[open, sev4\] only one/);
  });

  it('asks for an id when a channel has several open, naming the newest few and how many more', async () => {
    const text = await intake.handle('note something', ctx, logger);
    expect(text).toContain(`Several open incidents here (INC-48, INC-47,`);
    expect(text).toContain(`and ${45 - NAMED_AT_MOST} more)`);
    expect(queued).toEqual([]);
    // C2 has five open; with four of them resolved the command finds the last.
    for (const n of [49, 50, 51, 52]) await store.update(`INC-${n}`, { status: 'resolved' });
    expect(await intake.handle('note found it', { ...ctx, channel: 'C2' }, logger)).toBe('Note added to INC-53.');
    expect(queued).toEqual(['incident.note']);
  });
});

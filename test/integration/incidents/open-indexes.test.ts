import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisProcess, startRedis } from '../../../src/devtools/redis-process.js';
import { type Incident, newIncident, type Severity } from '../../../src/incidents/incident.js';
import { IncidentStore } from '../../../src/incidents/incident-store.js';

/** The open-incident indexes on a real redis-server: kept right by every status change, concurrent or not. */
describe('IncidentStore open-incident indexes', () => {
  let redis: RedisProcess;
  let a: Redis;
  let b: Redis;
  let n = 0;
  const prefix = () => `idx${n++}`;

  beforeAll(async () => {
    redis = await startRedis();
    a = redis.client();
    b = redis.client();
  });

  afterAll(async () => {
    await redis.stop();
  });

  const base = Date.parse('2026-03-01T10:00:00.000Z');
  const incident = (
    id: number,
    o: { channel?: string; target?: string; severity?: Severity; minutes?: number } = {},
  ): Incident =>
    newIncident({
      id: `INC-${id}`,
      title: `incident ${id}`,
      severity: o.severity ?? 'sev3',
      channel: o.channel ?? 'C1',
      target: o.target ?? '',
      createdAt: new Date(base + (o.minutes ?? id) * 60_000).toISOString(),
    });
  const ids = (xs: readonly Incident[]) => xs.map((i) => i.id);

  it('create, resolve and reopen keep count, channel, target and rank indexes right', async () => {
    const store = new IncidentStore(a, prefix());
    await store.create(incident(1, { channel: 'C1', target: 'cache', severity: 'sev3' }));
    await store.create(incident(2, { channel: 'C1', target: 'sessions', severity: 'sev2' }));
    await store.create(incident(3, { channel: 'C2', target: 'cache', severity: 'sev3' }));
    await store.create(incident(4, { channel: 'C1', severity: 'sev4' }));

    expect(await store.openCount()).toBe(4);
    const c1 = await store.openInChannel('C1', 10);
    expect(c1.total).toBe(3);
    expect(ids(c1.incidents)).toEqual(['INC-4', 'INC-2', 'INC-1']); // newest first
    expect(ids((await store.openInChannel('C1', 10, 'cache')).incidents)).toEqual(['INC-1']);
    expect(ids((await store.openInChannel('C2', 10, 'cache')).incidents)).toEqual(['INC-3']);
    // Most severe first, then newest first.
    expect(ids((await store.openByRank(0, 10)).incidents)).toEqual(['INC-2', 'INC-3', 'INC-1', 'INC-4']);
    expect(ids((await store.openByRank(1, 2)).incidents)).toEqual(['INC-3', 'INC-1']);
    expect((await store.openByRank(1, 2)).total).toBe(4);

    await store.update('INC-1', { status: 'resolved', resolvedAt: new Date().toISOString() });
    expect(await store.openCount()).toBe(3);
    expect((await store.openInChannel('C1', 10, 'cache')).total).toBe(0);
    expect(ids((await store.openInChannel('C1', 10)).incidents)).toEqual(['INC-4', 'INC-2']);
    expect(await store.newestOpenForTarget('cache', 0)).toMatchObject({ id: 'INC-3' });

    await store.update('INC-1', { status: 'open', resolvedAt: '' });
    expect(await store.openCount()).toBe(4);
    expect(ids((await store.openInChannel('C1', 10, 'cache')).incidents)).toEqual(['INC-1']);

    // A severity change moves the incident in the rank order only.
    await store.update('INC-4', { severity: 'sev1' });
    expect(ids((await store.openByRank(0, 1)).incidents)).toEqual(['INC-4']);
    expect(await store.openCount()).toBe(4);
    // Fields that do not index (commander) leave every index as it was.
    await store.update('INC-4', { commander: 'U0ALICE' });
    expect((await store.openInChannel('C1', 10)).total).toBe(3);
    expect(await store.listOpen()).toHaveLength(4);
  });

  it('answers "the only one open here" reading one hash at most', async () => {
    const store = new IncidentStore(a, prefix());
    expect(await store.onlyOpenInChannel('C1', 10)).toEqual({ total: 0, ids: [] });
    await store.create(incident(1, { channel: 'C1', target: 'cache' }));
    expect(await store.onlyOpenInChannel('C1', 10)).toMatchObject({ total: 1, ids: ['INC-1'], only: { id: 'INC-1' } });
    await store.create(incident(2, { channel: 'C1' }));
    await store.create(incident(3, { channel: 'C1' }));
    expect(await store.onlyOpenInChannel('C1', 2)).toEqual({ total: 3, ids: ['INC-3', 'INC-2'] });
    expect(await store.onlyOpenInChannel('C1', 10, 'cache')).toMatchObject({ total: 1, only: { id: 'INC-1' } });
  });

  it('creates and resolves inside the caller’s MULTI, indexes in the same commit', async () => {
    const p = prefix();
    const store = new IncidentStore(a, p);
    const created = await store
      .createIn(a.multi(), incident(1, { channel: 'C1', target: 'cache' }))
      .set(`${p}:other`, 'x')
      .exec();
    expect(created?.map(([err, v]) => [err, v])).toEqual([
      [null, 1],
      [null, 'OK'],
    ]);
    expect((await store.onlyOpenInChannel('C1', 10, 'cache')).only?.id).toBe('INC-1');
    const resolved = await store.updateIn(a.multi(), 'INC-1', { status: 'resolved' }).exec();
    expect(resolved?.[0]?.[1]).toBe(1);
    expect(await store.openCount()).toBe(0);
    expect((await store.updateIn(a.multi(), 'INC-9', { status: 'open' }).exec())?.[0]?.[1]).toBe(0);
    expect(await a.exists(`${p}:incident:INC-9`)).toBe(0);
  });

  it('tells its hook when an incident’s thread first exists, once', async () => {
    const opened: string[] = [];
    const store = new IncidentStore(a, prefix(), { threadOpened: (i) => opened.push(`${i.id}|${i.groupKey}`) });
    await store.create({ ...incident(1), groupKey: 'group-1' });
    await store.bindThread('INC-1', 'C1', '1700000000.000100');
    await store.bindThread('INC-1', 'C1', '1700000000.000100');
    expect(opened).toEqual(['INC-1|group-1']);
    expect(await store.findByThread('C1', '1700000000.000100')).toBe('INC-1');
  });

  it('finds the newest open incident of a target within a window', async () => {
    const store = new IncidentStore(a, prefix());
    await store.create(incident(1, { target: 'cache', minutes: 0 }));
    await store.create(incident(2, { target: 'cache', minutes: 30 }));
    await store.create(incident(3, { target: 'other', minutes: 50 }));
    expect((await store.newestOpenForTarget('cache', base))?.id).toBe('INC-2');
    expect((await store.newestOpenForTarget('cache', base + 30 * 60_000))?.id).toBe('INC-2');
    expect(await store.newestOpenForTarget('cache', base + 31 * 60_000)).toBeUndefined();
    await store.update('INC-2', { status: 'resolved' });
    expect((await store.newestOpenForTarget('cache', base))?.id).toBe('INC-1');
    expect(await store.newestOpenForTarget('nothing', 0)).toBeUndefined();
  });

  it('refuses to update an incident that does not exist, and writes nothing for it', async () => {
    const p = prefix();
    const store = new IncidentStore(a, p);
    await expect(store.update('INC-99', { status: 'open' })).rejects.toMatchObject({ code: 'INCIDENT_NOT_FOUND' });
    expect(await a.exists(`${p}:incident:INC-99`)).toBe(0);
    expect(await store.openCount()).toBe(0);
  });

  it('concurrent resolves and reopens from two clients end with indexes matching the final status', async () => {
    const p = prefix();
    const onA = new IncidentStore(a, p);
    const onB = new IncidentStore(b, p);
    const count = 40;
    for (let i = 1; i <= count; i++)
      await onA.create(incident(i, { channel: i % 2 ? 'C1' : 'C2', target: `t${i % 5}` }));
    // Each incident gets a storm of interleaved status flips from both clients; the last writer decides.
    await Promise.all(
      Array.from({ length: count }, (_, k) => k + 1).flatMap((i) =>
        Array.from({ length: 10 }, (_, j) =>
          (j % 2 ? onA : onB).update(
            `INC-${i}`,
            j % 3 === 0 ? { status: 'resolved' } : { status: 'open', severity: j % 2 ? 'sev2' : 'sev4' },
          ),
        ),
      ),
    );
    const truth = await Promise.all(Array.from({ length: count }, (_, k) => onA.require(`INC-${k + 1}`)));
    const open = truth.filter((i) => i.status === 'open');
    expect(await onA.openCount()).toBe(open.length);
    expect(new Set(ids((await onA.openByRank(0, 1000)).incidents))).toEqual(new Set(ids(open)));
    for (const ch of ['C1', 'C2']) {
      const inChannel = open.filter((i) => i.channel === ch);
      expect(new Set(ids((await onA.openInChannel(ch, 1000)).incidents))).toEqual(new Set(ids(inChannel)));
    }
    // Rank order follows the severities as they ended.
    const ranked = (await onA.openByRank(0, 1000)).incidents;
    const sevs = ranked.map((i) => i.severity);
    expect([...sevs].sort()).toEqual(sevs);
    expect(await a.scard(`${p}:incidents:open`)).toBe(open.length);
  });

  it('backfills indexes for state written before them, once, and agrees with live updates after', async () => {
    const p = prefix();
    // The layout an earlier version wrote: a hash per incident and the open set, no sorted sets.
    const old = [incident(1, { target: 'cache' }), incident(2, { channel: 'C2' }), incident(3, { severity: 'sev1' })];
    for (const i of old) await a.hset(`${p}:incident:${i.id}`, i);
    await a.hset(`${p}:incident:INC-4`, { ...incident(4), status: 'resolved' });
    await a.sadd(`${p}:incidents:open`, 'INC-1', 'INC-2', 'INC-3', 'INC-4', 'INC-5'); // 4 resolved, 5 gone
    const store = new IncidentStore(a, p);
    expect(await store.openCount()).toBe(0);

    expect(await store.ensureIndexes()).toBe(5);
    expect(await store.openCount()).toBe(3);
    expect(ids((await store.openByRank(0, 10)).incidents)).toEqual(['INC-3', 'INC-2', 'INC-1']);
    expect(ids((await store.openInChannel('C1', 10, 'cache')).incidents)).toEqual(['INC-1']);
    expect(await a.smembers(`${p}:incidents:open`)).toEqual(expect.arrayContaining(['INC-1', 'INC-2', 'INC-3']));
    expect(await a.scard(`${p}:incidents:open`)).toBe(3);

    // Idempotent: current indexes are not rebuilt, and a second (racing) backfill changes nothing.
    expect(await store.ensureIndexes()).toBe(0);
    await a.del(`${p}:open:version`);
    const [x, y] = await Promise.all([store.ensureIndexes(), new IncidentStore(b, p).ensureIndexes()]);
    expect(x + y).toBeGreaterThan(0);
    expect(await store.openCount()).toBe(3);

    // An older replica adding to the set alone makes the next start index it.
    await a.hset(`${p}:incident:INC-6`, incident(6, { channel: 'C2' }));
    await a.sadd(`${p}:incidents:open`, 'INC-6');
    expect(await store.ensureIndexes()).toBe(4);
    expect((await store.openInChannel('C2', 10)).total).toBe(2);
  });
});

import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisProcess, startRedis } from '../../../src/devtools/redis-process.js';
import {
  FAST_SYNC_ARGS,
  masterLinkStatus,
  type SentinelGroup,
  startReplica,
  startSentinels,
} from '../../../src/devtools/replication-process.js';
import { waitUntil } from '../../../src/devtools/wait-until.js';
import { diagnose, finding, loadRunbook, sentinelTarget, stepErrors, urlTarget } from '../../support/probe-support.js';

/*
 * A primary with a password and two replicas; replica B's link is cut by giving it a wrong `masterauth` and
 * dropping its current link. Other ways to cut a link do not stay cut: `CLIENT KILL TYPE master` alone reconnects
 * within a second; `REPLICAOF 127.0.0.1 <dead port>` is undone by Sentinel (+fix-slave-config) after
 * failover-timeout; stopping the primary starts a failover. With the wrong password the replica keeps following the
 * real primary and retries every second, failing AUTH each time: `master_link_status:down`, stable.
 */
const PW = 'repl-secret';
const AUTH = ['--requirepass', PW, '--masterauth', PW];

let primary: RedisProcess;
let healthy: RedisProcess;
let broken: RedisProcess;
let sentinels: SentinelGroup;
let brokenClient: Redis;

beforeAll(async () => {
  primary = await startRedis([...AUTH, ...FAST_SYNC_ARGS]);
  [healthy, broken] = await Promise.all([startReplica(primary, AUTH), startReplica(primary, AUTH)]);
  sentinels = await startSentinels(primary, { name: 'replset', authPass: PW, replicas: 2, downAfterMs: 5000 });
  brokenClient = broken.client();
  await brokenClient.config('SET', 'masterauth', 'wrong-password');
  await brokenClient.call('CLIENT', 'KILL', 'TYPE', 'master');
  await waitUntil(async () => (await masterLinkStatus(brokenClient)) === 'down', {
    what: 'replica B link down',
    timeoutMs: 15_000,
  });
  // The primary drops B from its replica list once the old link is gone.
  const p = primary.client();
  await waitUntil(async () => /^connected_slaves:1$/m.test(await p.info('replication')), {
    what: 'primary to count one replica',
    timeoutMs: 15_000,
  });
  // Writes B misses while cut off: its offset falls behind the primary's.
  await p.set('order:1', 'x'.repeat(64 * 1024));
  p.disconnect();
});

afterAll(async () => {
  await sentinels?.stop();
  await Promise.all([broken?.stop(), healthy?.stop(), primary?.stop()]);
});

describe('replication runbook on real replicas', () => {
  it('URL target on the replica whose link is down (RedisMasterLinkDown fires on the replica) names it', async () => {
    const target = urlTarget('replica-b', `redis://:${PW}@127.0.0.1:${broken.port}`);
    const report = await diagnose(loadRunbook('replication'), target);
    expect(stepErrors(report)).toEqual([]);
    const m = report.metrics;
    expect(m['replication.role']).toBe('slave');
    expect(m['replication.primary']).toBe(`127.0.0.1:${primary.port}`);
    expect(m['replication.broken_replica']).toBe(`127.0.0.1:${broken.port}`);
    expect(m['replication.master_link_status']).toBe('down');
    expect(m['replication.connected_replicas']).toBe(1);
    expect(m['replication.broken_replica_lag_bytes']).toBeGreaterThan(64 * 1024);

    const down = finding(report, 'replica-link-down');
    expect(down?.severity).toBe('critical');
    expect(down?.title).toContain(`Replica 127.0.0.1:${broken.port}`);
    expect(down?.title).toContain('master_link_status down');
    expect(down?.title).toContain(`following 127.0.0.1:${primary.port}`);
    expect(finding(report, 'configured-node-is-replica')?.title).toContain(`replica of 127.0.0.1:${primary.port}`);
    // No writes: the runbook proposes nothing.
    expect(report.findings.every((f) => !f.title.includes('?'))).toBe(true);
  });

  it('Sentinel target: the replica Sentinel knows but the primary no longer lists is named, 1 of 2 connected', async () => {
    const target = sentinelTarget('replset', 'replset', sentinels.addresses, PW);
    const report = await diagnose(loadRunbook('replication'), target);
    expect(stepErrors(report)).toEqual([]);
    const m = report.metrics;
    expect(m['replication.role']).toBe('master');
    expect(m['replication.expected_replicas']).toBe(2);
    expect(m['replication.connected_replicas']).toBe(1);
    expect(m['replication.replicas_down']).toBe(1);
    expect(m['replication.broken_replica']).toBe(`127.0.0.1:${broken.port}`);
    expect(finding(report, 'replica-link-down')?.title).toContain(`127.0.0.1:${broken.port}`);
    expect(finding(report, 'replicas-missing')?.title).toBe(
      `Only 1 of 2 replicas connected to 127.0.0.1:${primary.port}`,
    );
    const table = report.steps[0]?.result?.tables[0];
    expect(table?.rows.map((r) => r[0]).sort()).toEqual(
      [`127.0.0.1:${broken.port}`, `127.0.0.1:${healthy.port}`].sort(),
    );
  });

  it('URL target on the primary with a healthy replica: no broken-replica finding', async () => {
    await brokenClient.config('SET', 'masterauth', PW);
    await waitUntil(async () => (await masterLinkStatus(brokenClient)) === 'up', {
      what: 'replica B link back up',
      timeoutMs: 15_000,
    });
    const p = primary.client();
    await waitUntil(async () => [...(await p.info('replication')).matchAll(/state=online/g)].length === 2, {
      what: 'primary to see both replicas online',
      timeoutMs: 15_000,
    });
    p.disconnect();
    const report = await diagnose(
      loadRunbook('replication'),
      urlTarget('primary', `redis://:${PW}@127.0.0.1:${primary.port}`),
    );
    expect(stepErrors(report)).toEqual([]);
    expect(report.metrics['replication.replicas_down']).toBe(0);
    expect(report.metrics['replication.broken_replica']).toBe('(none)');
    expect(report.metrics['replication.connected_replicas']).toBe(2);
    expect(report.findings.filter((f) => f.severity !== 'info')).toEqual([]);
  });
});

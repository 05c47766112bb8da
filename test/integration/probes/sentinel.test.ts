import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type RedisProcess, startRedis } from '../../../src/devtools/redis-process.js';
import {
  FAST_SYNC_ARGS,
  type SentinelGroup,
  startReplica,
  startSentinels,
} from '../../../src/devtools/replication-process.js';
import { waitUntil } from '../../../src/devtools/wait-until.js';
import { diagnose, finding, loadRunbook, sentinelTarget, stepErrors, urlTarget } from '../../support/probe-support.js';

const NAME = 'cache1';

let primary: RedisProcess;
let replica: RedisProcess;
let sentinels: SentinelGroup;
/** A lone sentinel of another deployment that monitors a different Redis under the same master name. */
let stray: RedisProcess;
let straySentinel: SentinelGroup;
let oldPrimary: string;
let newPrimary: string;

function addr(p: RedisProcess): string {
  return `127.0.0.1:${p.port}`;
}

async function masterAddr(s: Redis): Promise<string | undefined> {
  const reply = (await s.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', NAME)) as [string, string] | null;
  return reply ? `${reply[0]}:${reply[1]}` : undefined;
}

beforeAll(async () => {
  primary = await startRedis([...FAST_SYNC_ARGS]);
  replica = await startReplica(primary);
  stray = await startRedis();
  [sentinels, straySentinel] = await Promise.all([
    startSentinels(primary, { name: NAME, quorum: 2, count: 3, downAfterMs: 1000, failoverTimeoutMs: 3000 }),
    startSentinels(stray, { name: NAME, quorum: 2, count: 1 }),
  ]);
  oldPrimary = addr(primary);
});

afterAll(async () => {
  await Promise.all([sentinels?.stop(), straySentinel?.stop()]);
  await Promise.all([replica?.stop(), primary?.stop(), stray?.stop()]);
});

describe('sentinel runbook on real sentinels', () => {
  it('healthy group: names the primary, quorum OK, no critical finding', async () => {
    const report = await diagnose(loadRunbook('sentinel'), sentinelTarget(NAME, NAME, sentinels.addresses));
    expect(stepErrors(report)).toEqual([]);
    const m = report.metrics;
    expect(m['sentinel.master_addr']).toBe(oldPrimary);
    expect(m['sentinel.reachable']).toBe(3);
    expect(m['sentinel.known_sentinels']).toBe(3);
    expect(m['sentinel.quorum_ok']).toBe(1);
    expect(m['sentinel.master_down']).toBe(0);
    expect(m['sentinel.config_epoch']).toBe(0);
    expect(m['sentinel.replicas_ok']).toBe(1);
    expect(finding(report, 'primary-named')?.title).toContain(`Sentinels name ${oldPrimary} as the primary`);
    expect(report.findings.filter((f) => f.severity !== 'info')).toEqual([]);
  });

  it('a sentinel naming another primary (RedisTooManyMasters) is called out with who says what', async () => {
    const target = sentinelTarget(NAME, NAME, [...sentinels.addresses, ...straySentinel.addresses]);
    const report = await diagnose(loadRunbook('sentinel'), target);
    expect(stepErrors(report)).toEqual([]);
    expect(report.metrics['sentinel.master_addrs_distinct']).toBe(2);
    expect(report.metrics['sentinel.master_addr']).toBe(oldPrimary);
    const title = finding(report, 'masters-disagree')?.title ?? '';
    expect(title).toContain(`${oldPrimary} (by ${sentinels.addresses.join(', ')})`);
    expect(title).toContain(`${addr(stray)} (by ${straySentinel.addresses[0]})`);
    // The stray sentinel alone cannot reach its quorum of 2.
    expect(finding(report, 'quorum-not-reachable')?.title).toContain(`${straySentinel.addresses[0]}: NOQUORUM`);
  });

  it('a configured sentinel that does not answer is named with its connection error', async () => {
    const dead = `127.0.0.1:${await freePort()}`;
    const report = await diagnose(loadRunbook('sentinel'), sentinelTarget(NAME, NAME, [dead, ...sentinels.addresses]));
    expect(stepErrors(report)).toEqual([]);
    expect(report.metrics['sentinel.master_addr']).toBe(oldPrimary);
    expect(finding(report, 'sentinel-unreachable')?.title).toBe(
      `Only 3 of 4 sentinels answer; first down: ${dead} (connect ECONNREFUSED ${dead})`,
    );
  });

  it('after SIGKILL of the primary: the failover is found, the new primary and the old one named', async () => {
    const watchers = sentinels.sentinels.map((s) => s.client());
    await primary.stop();
    // Failover: down-after 1 s, election, promotion; every sentinel must name the replica and flag the old primary.
    await waitUntil(
      async () => {
        for (const s of watchers) {
          if ((await masterAddr(s)) !== addr(replica)) return false;
          const replicas = (await s.call('SENTINEL', 'REPLICAS', NAME)) as string[][];
          const old = replicas.find((r) => r[r.indexOf('name') + 1] === oldPrimary);
          if (!old || !/s_down/.test(old[old.indexOf('flags') + 1] ?? '')) return false;
        }
        return true;
      },
      {
        what: 'the sentinels to switch to the replica and flag the old primary down',
        timeoutMs: 30_000,
        intervalMs: 200,
      },
    );
    for (const w of watchers) w.disconnect();
    newPrimary = addr(replica);

    const report = await diagnose(loadRunbook('sentinel'), sentinelTarget(NAME, NAME, sentinels.addresses));
    expect(stepErrors(report)).toEqual([]);
    const m = report.metrics;
    expect(m['sentinel.master_addr']).toBe(newPrimary);
    expect(m['sentinel.master_addrs_distinct']).toBe(1);
    expect(Number(m['sentinel.config_epoch'])).toBeGreaterThan(0);
    expect(m['sentinel.former_primary']).toBe(oldPrimary);
    expect(finding(report, 'primary-named')?.title).toContain(`Sentinels name ${newPrimary} as the primary`);
    const failover = finding(report, 'failover-happened')?.title ?? '';
    expect(failover).toContain(`primary now ${newPrimary}`);
    expect(failover).toMatch(/^Failover happened \(epoch \d+: primary now .*, in that role for at least \d+s\)$/);
    expect(finding(report, 'former-primary-down')?.title).toBe(
      `Old primary ${oldPrimary} is down and has not rejoined as a replica of ${newPrimary}`,
    );
    // The replication step sees the promoted replica as primary and the old one as an unreachable replica.
    expect(m['replication.primary']).toBe(newPrimary);
    expect(m['replication.primary_promoted']).toBe(1);
    expect(m['replication.broken_replica']).toBe(oldPrimary);
    expect(finding(report, 'replica-broken')?.title).toContain('ECONNREFUSED');
  });

  it('redis-down on the Sentinel target names the primary the sentinels now see and the unreachable old one', async () => {
    const report = await diagnose(loadRunbook('redis-down'), sentinelTarget(NAME, NAME, sentinels.addresses));
    expect(stepErrors(report)).toEqual([]);
    expect(report.metrics['reachability.via_sentinel']).toBe(newPrimary);
    expect(report.metrics['reachability.primary_up']).toBe(1);
    expect(finding(report, 'sentinel-primary-up')?.title).toContain(`Sentinels now name ${newPrimary} as the primary`);
    const down = finding(report, 'node-unreachable')?.title ?? '';
    expect(down).toContain(`${oldPrimary} is unreachable: connect ECONNREFUSED ${oldPrimary}`);
    expect(down).toContain('former primary');
    expect(finding(report, 'failover-happened')?.title).toContain(`primary now ${newPrimary}`);
  });

  it('redis-down on a URL target pointing at the stopped primary: unreachable with the connection error', async () => {
    const report = await diagnose(loadRunbook('redis-down'), urlTarget('old-primary', `redis://${oldPrimary}`));
    expect(stepErrors(report)).toEqual([]);
    expect(report.metrics['reachability.primary_up']).toBe(0);
    expect(report.metrics['reachability.via_sentinel']).toBe('(none)');
    const title = finding(report, 'primary-unreachable')?.title ?? '';
    expect(title).toContain(`${oldPrimary} is unreachable: connect ECONNREFUSED ${oldPrimary}`);
    expect(title).toContain('last known role: unknown');
    // The sentinel step has nothing to say about a URL target.
    expect(report.steps.find((s) => s.probe === 'sentinel')?.result?.notes).toEqual([
      'old-primary is not a Sentinel target',
    ]);
  });
});

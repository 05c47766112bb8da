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
import { fieldsOf } from '../../../src/diagnostics/sentinel-view.js';
import { diagnose, finding, loadRunbook, sentinelTarget, stepErrors, urlTarget } from '../../support/probe-support.js';

const NAME = 'lonely';

/** A primary with one replica, stopped: the replica keeps answering with its link down. */
let primary: RedisProcess;
let replica: RedisProcess;
/** A primary with no replica under three sentinels, stopped: they see it down but have nothing to promote. */
let solo: RedisProcess;
let sentinels: SentinelGroup;

const addr = (p: RedisProcess) => `127.0.0.1:${p.port}`;

beforeAll(async () => {
  primary = await startRedis([...FAST_SYNC_ARGS]);
  solo = await startRedis();
  [replica, sentinels] = await Promise.all([
    startReplica(primary),
    startSentinels(solo, { name: NAME, quorum: 2, count: 3, downAfterMs: 1000, failoverTimeoutMs: 3000 }),
  ]);
  const r = replica.client();
  await primary.stop();
  await waitUntil(async () => (await masterLinkStatus(r)) === 'down', {
    what: 'replica link down after the primary stopped',
    timeoutMs: 15_000,
  });
  await solo.stop();
  const watchers = sentinels.sentinels.map((s) => s.client());
  await waitUntil(
    async () => {
      for (const w of watchers) {
        if (!/s_down/.test(fieldsOf(await w.call('SENTINEL', 'MASTER', NAME)).flags ?? '')) return false;
      }
      return true;
    },
    { what: 'every sentinel to flag the stopped primary down', timeoutMs: 15_000 },
  );
  for (const w of watchers) w.disconnect();
});

afterAll(async () => {
  await sentinels?.stop();
  await Promise.all([replica?.stop(), primary?.stop(), solo?.stop()]);
});

describe('redis-down runbook', () => {
  it('URL target on a stopped Redis: unreachable, with the connection error', async () => {
    const report = await diagnose(loadRunbook('redis-down'), urlTarget('stopped', `redis://${addr(primary)}`));
    expect(stepErrors(report)).toEqual([]);
    expect(report.metrics['reachability.primary_up']).toBe(0);
    expect(report.metrics['reachability.error']).toBe(`connect ECONNREFUSED ${addr(primary)}`);
    expect(finding(report, 'primary-unreachable')?.title).toBe(
      `${addr(primary)} is unreachable: connect ECONNREFUSED ${addr(primary)} (last known role: unknown (no Sentinel or replica to ask))`,
    );
    expect(finding(report, 'answers-now')).toBeUndefined();
  });

  it('URL target on the surviving replica: it answers, and says whose replica it is', async () => {
    const report = await diagnose(loadRunbook('redis-down'), urlTarget('replica', replica.url));
    expect(stepErrors(report)).toEqual([]);
    expect(report.metrics['reachability.primary_up']).toBe(1);
    expect(finding(report, 'answers-now')?.title).toContain(`(role replica of ${addr(primary)})`);
    expect(finding(report, 'replica-link-down')?.title).toContain(`Replica ${addr(replica)}: master link down`);
  });

  it('Sentinel target whose primary is down with no replica to promote: the sentinels still name it, all see it down', async () => {
    const report = await diagnose(loadRunbook('redis-down'), sentinelTarget(NAME, NAME, sentinels.addresses));
    expect(stepErrors(report)).toEqual([]);
    const m = report.metrics;
    expect(m['reachability.via_sentinel']).toBe(addr(solo));
    expect(m['reachability.sentinels_see_down']).toBe(3);
    expect(finding(report, 'primary-unreachable')?.title).toBe(
      `${addr(solo)} is unreachable: connect ECONNREFUSED ${addr(solo)} (last known role: master (named by 3 sentinel(s), 3 see it down))`,
    );
    expect(finding(report, 'sentinel-primary-down')?.title).toContain(
      `Sentinels still name ${addr(solo)} as the primary; 3 of 3 see it down`,
    );
  });
});

describe('replication and sentinel runbooks when the primary is gone', () => {
  it('replication on the replica of a stopped primary: the primary is named unreachable, the link down', async () => {
    const report = await diagnose(loadRunbook('replication'), urlTarget('replica', replica.url));
    expect(stepErrors(report)).toEqual([]);
    expect(report.metrics['replication.role']).toBe('slave');
    expect(finding(report, 'primary-unreachable')?.title).toBe(
      `Primary ${addr(primary)} does not answer: connect ECONNREFUSED ${addr(primary)}`,
    );
    expect(finding(report, 'replica-link-down')?.title).toContain(`Replica ${addr(replica)}: master link down`);
  });

  it('sentinel runbook (RedisMissingMaster): the primary is down per every sentinel', async () => {
    const report = await diagnose(loadRunbook('sentinel'), sentinelTarget(NAME, NAME, sentinels.addresses));
    expect(stepErrors(report)).toEqual([]);
    expect(report.metrics['sentinel.master_down']).toBe(1);
    expect(finding(report, 'primary-down')?.title).toMatch(
      new RegExp(`^Primary ${addr(solo)} is down per 3 sentinel\\(s\\) \\(flags [a-z_,]*s_down`),
    );
    expect(finding(report, 'primary-named')).toBeUndefined();
    expect(finding(report, 'no-replica-to-promote')?.title).toContain(`${addr(solo)} must come back`);
  });
});

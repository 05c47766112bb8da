import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisProcess, startRedis } from '../../../src/devtools/redis-process.js';
import { waitUntil } from '../../../src/devtools/wait-until.js';
import { persistenceProbe } from '../../../src/diagnostics/probes/persistence.js';
import { parseInfo } from '../../../src/kernel/info.js';
import { diagnose, loadRunbook, proposalsFor, runProbe, target } from '../../support/probe-support.js';

/** BGSAVE, then wait (bounded) until no save is running and the status is the expected one. */
async function bgsaveAndWait(client: Redis, status: 'ok' | 'err'): Promise<void> {
  await client.bgsave();
  await waitUntil(
    async () => {
      const info = parseInfo(await client.info('persistence'));
      return info.rdb_bgsave_in_progress === '0' && info.rdb_last_bgsave_status === status;
    },
    { what: `rdb_bgsave_in_progress:0 and rdb_last_bgsave_status:${status}` },
  );
}

/**
 * Failed saves for real, in ways that fail for root too (tests run as root, which ignores `chmod 0500` on the
 * directory): a non-empty directory where dump.rdb should go makes the child's final rename(2) fail with EISDIR
 * ("Error moving temp DB file … Is a directory"); a working directory removed under the server makes the temp
 * file's open(2) fail with ENOENT. `CONFIG SET dir` is a protected config on Redis 7, so the dir is set at start.
 */
describe('missing-backup against a real redis-server', () => {
  const runbook = loadRunbook('missing-backup');
  let blocked: RedisProcess;
  let healthy: RedisProcess;
  let gone: RedisProcess;
  let goneDir: string;

  beforeAll(async () => {
    const parent = mkdtempSync(join(tmpdir(), 'rib-persist-'));
    goneDir = join(parent, 'data');
    mkdirSync(goneDir);
    [blocked, healthy, gone] = await Promise.all([startRedis(), startRedis(), startRedis(['--dir', goneDir])]);
    for (const r of [blocked, healthy, gone]) await r.client().set('order:1', 'paid');
    // Created after start: at start-up Redis would try to load a dump.rdb directory and abort.
    mkdirSync(join(blocked.dir, 'dump.rdb'));
    writeFileSync(join(blocked.dir, 'dump.rdb', 'keep'), 'x');
    rmSync(parent, { recursive: true, force: true });
    await Promise.all([
      bgsaveAndWait(blocked.client(), 'err'),
      bgsaveAndWait(healthy.client(), 'ok'),
      bgsaveAndWait(gone.client(), 'err'),
    ]);
  });

  afterAll(async () => {
    await Promise.all([blocked?.stop(), healthy?.stop(), gone?.stop()]);
  });

  it('the probe reports the failed save, the dir and the unsaved change', async () => {
    const r = await runProbe(persistenceProbe, target(blocked.url));
    expect(r.metrics).toMatchObject({
      'persistence.rdb_last_bgsave_status': 'err',
      'persistence.rdb_last_bgsave_ok': 0,
      'persistence.bgsave_in_progress': 0,
      'persistence.changes_since_save': 1,
      'persistence.dir': blocked.dir,
      'persistence.dir_missing': 0,
      'persistence.dbfilename': 'dump.rdb',
      'persistence.save_config': 'none',
      'persistence.aof_enabled': 0,
      'persistence.aof_last_write_ok': 1,
    });
    expect(r.metrics['persistence.last_save_age_s']).toBeGreaterThanOrEqual(0);
  });

  it('the runbook names the failed save (status err) and its path, and says to fix it before saving again', async () => {
    const report = await diagnose(runbook, target(blocked.url));
    const failed = report.findings.find((f) => f.id === 'bgsave-failed');
    expect(failed?.severity).toBe('critical');
    expect(failed?.title).toBe(
      `Last BGSAVE failed (rdb_last_bgsave_status err) writing ${blocked.dir}/dump.rdb; 1 changes are not on disk`,
    );
    expect(failed?.detail).toContain('Fix the cause before saving again');
    const proposals = proposalsFor(runbook, report, target(blocked.url));
    expect(proposals.map((p) => p.action)).toEqual(['bgsave']);
    expect(proposals[0]?.reason).toMatch(/Approve only after fixing the cause: this BGSAVE re-tests the disk/);
  });

  it('a removed working directory is named as such, and no BGSAVE is proposed', async () => {
    const report = await diagnose(runbook, target(gone.url));
    expect(report.metrics['persistence.dir_missing']).toBe(1);
    const ids = report.findings.map((f) => f.id);
    expect(ids).toEqual(expect.arrayContaining(['bgsave-failed', 'dir-missing']));
    expect(report.findings.find((f) => f.id === 'bgsave-failed')?.title).toContain(
      'writing (unknown: the working directory no longer exists)/dump.rdb',
    );
    expect(proposalsFor(runbook, report, target(gone.url))).toEqual([]);
  });

  it('a healthy save raises no failure; the missing save schedule is reported; nothing to propose', async () => {
    const report = await diagnose(runbook, target(healthy.url));
    expect(report.metrics['persistence.rdb_last_bgsave_status']).toBe('ok');
    expect(report.metrics['persistence.changes_since_save']).toBe(0);
    const ids = report.findings.map((f) => f.id);
    expect(ids).not.toContain('bgsave-failed');
    expect(ids).toContain('no-persistence');
    expect(proposalsFor(runbook, report, target(healthy.url))).toEqual([]);
  });
});

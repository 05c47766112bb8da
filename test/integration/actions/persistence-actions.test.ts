import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { TargetSchema } from '../../../src/config/config-file.js';
import { type RedisProcess, startRedis } from '../../../src/devtools/redis-process.js';
import { waitUntil } from '../../../src/devtools/wait-until.js';
import { createLogger } from '../../../src/kernel/logger.js';
import type { ActionContext } from '../../../src/remediation/action.js';
import { bgrewriteaofAction } from '../../../src/remediation/actions/bgrewriteaof.js';
import { bgsaveAction } from '../../../src/remediation/actions/bgsave.js';
import { persistenceStatus } from '../../../src/remediation/persistence-status.js';

const started: RedisProcess[] = [];
afterEach(async () => {
  for (const r of started.splice(0)) await r.stop();
});

async function redisWith(args: string[] = []): Promise<{ redis: RedisProcess; ctx: ActionContext }> {
  const redis = await startRedis(args);
  started.push(redis);
  const target = TargetSchema.parse({ name: 'p', url: redis.url, workload: 'session', match: { instance: 'p' } });
  return { redis, ctx: { client: redis.client(), target, logger: createLogger('silent') } };
}

async function writeKeys(client: Redis, n: number, rounds = 1): Promise<void> {
  for (let r = 0; r < rounds; r++) {
    const p = client.pipeline();
    for (let i = 0; i < n; i++) p.set(`order:${i}`, `state-${r}-${'x'.repeat(50)}`);
    await p.exec();
  }
}

/** Polls until no fork-based job runs (Redis may start an AOF rewrite of its own at boot). */
async function untilIdle(client: Redis, timeoutMs = 10_000): Promise<void> {
  await waitUntil(
    async () => {
      const s = await persistenceStatus(client);
      return !s.rdb_bgsave_in_progress && !s.aof_rewrite_in_progress && !s.aof_rewrite_scheduled;
    },
    { what: 'background saves to finish', timeoutMs, intervalMs: 50 },
  );
}

describe('bgsave against a real redis-server', () => {
  it('takes a snapshot: precondition → BGSAVE → verified rdb_last_bgsave_status:ok', async () => {
    const { redis, ctx } = await redisWith();
    await writeKeys(ctx.client, 1000);
    const pre = await bgsaveAction.precondition(ctx, {});
    expect(pre.ok).toBe(true);
    expect(pre.before.rdb_changes_since_last_save).toBe(1000);
    expect(await bgsaveAction.execute(ctx, {})).toMatch(/Background saving started/);
    const v = await bgsaveAction.verify(ctx, {}, pre.before);
    expect(v.ok).toBe(true);
    expect(v.summary).toMatch(/rdb_last_bgsave_status:ok/);
    expect(v.after).toMatchObject({
      rdb_bgsave_in_progress: 0,
      rdb_last_bgsave_status: 'ok',
      rdb_changes_since_last_save: 0,
    });
    expect(Number(v.after.rdb_saves)).toBe(Number(pre.before.rdb_saves) + 1);
    expect(existsSync(join(redis.dir, 'dump.rdb'))).toBe(true);
  });

  it('refuses to start while another BGSAVE runs', async () => {
    const { ctx } = await redisWith();
    await writeKeys(ctx.client, 400);
    // 2 ms per key: a save that lasts ~0.8 s, long enough to be seen running.
    await ctx.client.config('SET', 'rdb-key-save-delay', '2000');
    await ctx.client.bgsave();
    const pre = await bgsaveAction.precondition(ctx, {});
    expect(pre.ok).toBe(false);
    expect(pre.reason).toMatch(/BGSAVE is already in progress/);
    expect(pre.before.rdb_bgsave_in_progress).toBe(1);
    await ctx.client.config('SET', 'rdb-key-save-delay', '0');
    await untilIdle(ctx.client);
  });

  it('reports a failed save honestly when the data directory is gone (fails even as root)', async () => {
    // CONFIG SET dir is a protected config on Redis 7: start the server in a directory of ours instead.
    const dir = mkdtempSync(join(tmpdir(), 'rib-gone-'));
    const { ctx } = await redisWith(['--dir', dir]);
    await writeKeys(ctx.client, 100);
    rmSync(dir, { recursive: true, force: true });
    const pre = await bgsaveAction.precondition(ctx, {});
    expect(pre.ok).toBe(true);
    // The fork succeeds; the child cannot create its temp file in a deleted working directory.
    expect(await bgsaveAction.execute(ctx, {})).toMatch(/Background saving started/);
    const v = await bgsaveAction.verify(ctx, {}, pre.before);
    expect(v.ok).toBe(false);
    expect(v.after.rdb_last_bgsave_status).toBe('err');
    expect(v.summary).toMatch(/BGSAVE failed: rdb_last_bgsave_status:err/);
    expect(v.summary).toMatch(/directory no longer exists/);
    expect(v.summary).toMatch(/stop-writes-on-bgsave-error/);
  });
});

describe('bgrewriteaof against a real redis-server', () => {
  it('rewrites the AOF of an AOF-enabled server and reports the new size', async () => {
    const { ctx } = await redisWith(['--appendonly', 'yes']);
    await untilIdle(ctx.client);
    // The same 500 keys written 20 times: the log holds 10,000 SETs, the rewrite 500.
    await writeKeys(ctx.client, 500, 20);
    const pre = await bgrewriteaofAction.precondition(ctx, {});
    expect(pre.ok).toBe(true);
    expect(pre.before.aof_enabled).toBe(1);
    expect(await bgrewriteaofAction.execute(ctx, {})).toMatch(/Background append only file rewriting started/);
    const v = await bgrewriteaofAction.verify(ctx, {}, pre.before);
    expect(v.ok).toBe(true);
    expect(v.summary).toMatch(/aof_last_bgrewrite_status:ok/);
    expect(Number(v.after.aof_rewrites)).toBeGreaterThan(Number(pre.before.aof_rewrites));
    expect(Number(v.after.aof_current_size_bytes)).toBeLessThan(Number(pre.before.aof_current_size_bytes));
  });

  it('refuses when AOF is not enabled', async () => {
    const { ctx } = await redisWith();
    const pre = await bgrewriteaofAction.precondition(ctx, {});
    expect(pre.ok).toBe(false);
    expect(pre.reason).toMatch(/AOF is not enabled/);
  });

  it('refuses while a BGSAVE runs (Redis would only schedule the rewrite)', async () => {
    const { ctx } = await redisWith(['--appendonly', 'yes']);
    await untilIdle(ctx.client);
    await writeKeys(ctx.client, 400);
    await ctx.client.config('SET', 'rdb-key-save-delay', '2000');
    await ctx.client.bgsave();
    const pre = await bgrewriteaofAction.precondition(ctx, {});
    expect(pre.ok).toBe(false);
    expect(pre.reason).toMatch(/BGSAVE is already in progress/);
    await ctx.client.config('SET', 'rdb-key-save-delay', '0');
    await untilIdle(ctx.client);
  });
});

import { execFileSync } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { TargetSchema } from '../../../src/config/config-file.js';
import { type RedisProcess, startRedis } from '../../../src/devtools/redis-process.js';
import { waitUntil } from '../../../src/devtools/wait-until.js';
import { createLogger } from '../../../src/kernel/logger.js';
import type { ActionContext } from '../../../src/remediation/action.js';
import { configSetMaxclientsAction as maxclients } from '../../../src/remediation/actions/config-set-maxclients.js';
import {
  killIdleClientsAction as killIdle,
  parseClientList,
} from '../../../src/remediation/actions/kill-idle-clients.js';

const started: RedisProcess[] = [];
const cleanups: Array<() => void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) c();
  for (const r of started.splice(0)) await r.stop();
});

async function redisWith(args: string[] = []): Promise<{ redis: RedisProcess; ctx: ActionContext }> {
  const redis = await startRedis(args);
  started.push(redis);
  const target = TargetSchema.parse({ name: 'c', url: redis.url, workload: 'queue', match: { instance: 'c' } });
  // The bot's connection, named as the bot names its connections.
  const client = new Redis({ port: redis.port, host: '127.0.0.1', connectionName: 'redis-incident-bot' });
  cleanups.push(() => client.disconnect());
  return { redis, ctx: { client, target, logger: createLogger('silent') } };
}

/** An application connection that never reconnects, so a kill is visible as its end. */
function appClient(port: number, name: string): Redis {
  const c = new Redis({ port, host: '127.0.0.1', connectionName: name, retryStrategy: () => null });
  c.on('error', () => undefined);
  cleanups.push(() => c.disconnect());
  return c;
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  await waitUntil(async () => check(), { what, timeoutMs, intervalMs: 50 });
}

function hasPrlimit(): boolean {
  try {
    execFileSync('prlimit', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('config-set-maxclients against a real redis-server', () => {
  it('raises maxclients within the bound and reads it back', async () => {
    const { ctx } = await redisWith(['--maxclients', '100']);
    const params = maxclients.plan({ 'stats.maxclients': 100, 'stats.connected_clients': 95 }, {});
    expect(params).toEqual({ fromMaxclients: 100, toMaxclients: 125 });
    const pre = await maxclients.precondition(ctx, params!);
    expect(pre.ok).toBe(true);
    expect(await maxclients.execute(ctx, params!)).toBe('OK');
    const v = await maxclients.verify(ctx, params!, pre.before);
    expect(v.ok).toBe(true);
    expect(v.after.maxclients).toBe(125);
    expect(v.summary).toMatch(/^maxclients 100 → 125/);
  });

  it('refuses when maxclients changed since the proposal', async () => {
    const { ctx } = await redisWith(['--maxclients', '100']);
    await ctx.client.config('SET', 'maxclients', '150');
    const pre = await maxclients.precondition(ctx, { fromMaxclients: 100, toMaxclients: 125 });
    expect(pre.ok).toBe(false);
    expect(pre.reason).toMatch(/now 150, not 100/);
  });

  it.skipIf(!hasPrlimit())('says so when the file-descriptor limit keeps maxclients lower', async () => {
    const { redis, ctx } = await redisWith(['--maxclients', '100']);
    // 200 descriptors: Redis keeps 32 for itself, so at most 168 clients; the raise to 200 cannot fit.
    execFileSync('prlimit', ['--pid', String(redis.pid), '--nofile=200:200']);
    const params = maxclients.plan({ 'stats.maxclients': 100, 'stats.connected_clients': 99 }, { raisePercent: 100 })!;
    const pre = await maxclients.precondition(ctx, params);
    expect(pre.ok).toBe(true);
    expect(await maxclients.execute(ctx, params)).toMatch(/refused by Redis: .*try with 168/);
    const v = await maxclients.verify(ctx, params, pre.before);
    expect(v.ok).toBe(false);
    expect(v.after.maxclients).toBe(100);
    expect(v.summary).toMatch(/reads 100, below the 200 requested.*file-descriptor limit/);
  });
});

describe('kill-idle-clients against a real redis-server', () => {
  it('closes only the idle connections of the address, by ID', async () => {
    // Protected mode accepts only 127.0.0.1 and ::1 without a password; the server still listens on 127.0.0.1 only.
    const { redis, ctx } = await redisWith(['--protected-mode', 'no']);
    const idle = [1, 2, 3].map((i) => appClient(redis.port, `leak-${i}`));
    for (const c of idle) await c.ping();
    // Same address, but busy: keeps running commands through the whole test.
    const active = appClient(redis.port, 'busy');
    let busy = true;
    cleanups.unshift(() => {
      busy = false;
    });
    const loop = (async () => {
      while (busy) {
        await active.incr('hits').catch(() => undefined);
        await sleep(20);
      }
    })();
    // Same address and idle, but exempt: a worker blocked in BLPOP and a subscriber.
    const worker = appClient(redis.port, 'worker');
    void worker.blpop('jobs:none', 0).catch(() => undefined);
    const subscriber = appClient(redis.port, 'events');
    await subscriber.subscribe('events');
    // Idle just as long, but from another address (127.0.0.2 is loopback too).
    const other: Socket = connect({ host: '127.0.0.1', port: redis.port, localAddress: '127.0.0.2' });
    other.on('error', () => undefined);
    cleanups.push(() => other.destroy());
    other.write('*3\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n$5\r\nother\r\n');

    // CLIENT LIST's idle is whole seconds of a cached clock: a client active 10 ms ago can read idle=1 just after a
    // second boundary, so the busy client is told apart with a 2 s threshold.
    const list = async () => parseClientList(String(await ctx.client.call('CLIENT', 'LIST')));
    await until('the leaked connections to idle for 2 s', async () => {
      const clients = await list();
      return ['leak-1', 'leak-2', 'leak-3', 'worker', 'other'].every((n) =>
        clients.some((c) => c.name === n && Number(c.idle) >= 2),
      );
    });
    const otherEntry = (await list()).find((c) => c.name === 'other');
    expect(otherEntry?.addr).toMatch(/^127\.0\.0\.2:/);

    const params = killIdle.plan(
      { 'client_list.top_addr': '127.0.0.1', 'client_list.top_addr_idle_clients': 3 },
      { minIdleSeconds: 2 },
    )!;
    expect(params).toEqual({ addr: '127.0.0.1', minIdleSeconds: 2 });
    const pre = await killIdle.precondition(ctx, params);
    expect(pre.ok).toBe(true);
    expect(pre.before.idle_clients).toBe(3);
    expect(pre.before.exempt_idle_clients).toBe(1); // the blocked worker; the subscriber is not type normal
    expect(await killIdle.execute(ctx, params)).toBe('closed 3 idle connection(s) of 127.0.0.1');
    const v = await killIdle.verify(ctx, params, pre.before);
    expect(v.ok).toBe(true);
    expect(v.after.idle_clients).toBe(0);
    expect(v.summary).toMatch(/idle ≥ 2 s: 3 → 0/);

    await until('the killed clients to see their connections end', () => idle.every((c) => c.status === 'end'));
    const names = (await list()).map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['busy', 'worker', 'events', 'other', 'redis-incident-bot']));
    expect(names.filter((n) => n?.startsWith('leak-'))).toEqual([]);
    busy = false;
    await loop;
    expect(active.status).toBe('ready');
  });

  it('refuses when no connection of the address is idle long enough', async () => {
    const { ctx } = await redisWith();
    const pre = await killIdle.precondition(ctx, { addr: '127.0.0.1', minIdleSeconds: 3600 });
    expect(pre.ok).toBe(false);
    expect(pre.reason).toMatch(/no client of 127\.0\.0\.1 is idle ≥ 3600 s/);
  });

  it('never counts the bot’s own connections, however idle', async () => {
    const { redis, ctx } = await redisWith();
    // A second connection of the bot (a diagnosis opens several, all named redis-incident-bot).
    const botConn = appClient(redis.port, 'redis-incident-bot');
    await botConn.ping();
    await until('the second bot connection to idle for 1 s', async () =>
      parseClientList(String(await ctx.client.call('CLIENT', 'LIST'))).some(
        (c) => c.name === 'redis-incident-bot' && Number(c.idle) >= 1,
      ),
    );
    const pre = await killIdle.precondition(ctx, { addr: '127.0.0.1', minIdleSeconds: 1 });
    expect(pre.ok).toBe(false);
    expect(pre.before.idle_clients).toBe(0);
    expect(pre.before.exempt_idle_clients).toBe(1);
  });
});

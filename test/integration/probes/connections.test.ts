import { connect, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisProcess, startRedis } from '../../../src/devtools/redis-process.js';
import { waitUntil } from '../../../src/devtools/wait-until.js';
import type { DiagnosisReport } from '../../../src/diagnostics/diagnosis.js';
import { clientListProbe, parseClientLine } from '../../../src/diagnostics/probes/client-list.js';
import { statsProbe } from '../../../src/diagnostics/probes/stats.js';
import { parseInfo } from '../../../src/kernel/info.js';
import { diagnose, loadRunbook, proposalsFor, runProbe, target, withStepParams } from '../../support/probe-support.js';

const MAXCLIENTS = 160;
const LEAKED = 150;
/** The runbook's 60 s idle threshold, shortened so the test does not wait a minute. */
const IDLE_SECONDS = 1;

/**
 * A connection leak for real: one "app" opens 150 connections (ioredis, connectionName "app") to a Redis with
 * maxclients 160 and leaves them idle; raw sockets then overflow maxclients so Redis rejects some.
 */
describe('connections: a client flood from one address', () => {
  let redis: RedisProcess;
  let admin: Redis;
  const leaked: Redis[] = [];
  let report: DiagnosisReport;
  const runbook = withStepParams(loadRunbook('connections'), 'client-list', { idleSeconds: IDLE_SECONDS });

  beforeAll(async () => {
    redis = await startRedis(['--maxclients', String(MAXCLIENTS)]);
    admin = redis.client();
    for (let i = 0; i < LEAKED; i++) {
      const c = new Redis(redis.port, '127.0.0.1', { connectionName: 'app', maxRetriesPerRequest: 1 });
      c.on('error', () => undefined);
      leaked.push(c);
    }
    await Promise.all(leaked.map((c) => (c.status === 'ready' ? undefined : new Promise((r) => c.once('ready', r)))));

    // Overflow maxclients with raw sockets: Redis accepts, answers "-ERR max number of clients reached", closes.
    const sockets: Socket[] = [];
    for (let i = 0; i < 20; i++) {
      const s = connect(redis.port, '127.0.0.1');
      s.on('error', () => undefined);
      sockets.push(s);
    }
    await waitUntil(async () => Number(parseInfo(await admin.info('stats')).rejected_connections) > 0, {
      what: 'rejected_connections > 0',
    });
    for (const s of sockets) s.destroy();
    // Free the slots again so the bot itself can connect, then let the leaked connections go idle.
    await waitUntil(async () => Number(parseInfo(await admin.info('clients')).connected_clients) <= LEAKED + 1, {
      what: 'overflow sockets closed',
    });
    await waitUntil(
      async () => {
        const apps = String(await admin.client('LIST'))
          .split('\n')
          .map(parseClientLine)
          .filter((c) => c?.name === 'app');
        return apps.length === LEAKED && apps.every((c) => (c?.idle ?? 0) >= IDLE_SECONDS);
      },
      { what: `app connections idle ≥ ${IDLE_SECONDS} s` },
    );
    report = await diagnose(runbook, target(redis.url));
  });

  afterAll(async () => {
    for (const c of leaked) c.disconnect();
    await redis?.stop();
  });

  it('stats reports clients against maxclients and the rejections', async () => {
    const r = await runProbe(statsProbe, target(redis.url));
    expect(r.metrics['stats.maxclients']).toBe(MAXCLIENTS);
    expect(r.metrics['stats.connected_clients']).toBeGreaterThanOrEqual(LEAKED + 1);
    expect(r.metrics['stats.clients_pct']).toBeGreaterThanOrEqual(90);
    expect(r.metrics['stats.rejected_connections']).toBeGreaterThan(0);
  });

  it('client-list names 127.0.0.1 as the top address, almost all idle, mostly "app"', async () => {
    const r = await runProbe(clientListProbe, target(redis.url), { idleSeconds: IDLE_SECONDS });
    expect(r.metrics['client_list.top_addr']).toBe('127.0.0.1');
    expect(r.metrics['client_list.total_clients']).toBe(LEAKED + 1); // the leak + the test's admin client, not the bot
    expect(r.metrics['client_list.top_addr_clients']).toBe(LEAKED + 1);
    expect(r.metrics['client_list.top_addr_pct']).toBe(100);
    expect(r.metrics['client_list.top_addr_idle_clients']).toBeGreaterThanOrEqual(LEAKED);
    expect(r.metrics['client_list.top_addr_idle_pct']).toBeGreaterThanOrEqual(98);
    expect(r.metrics['client_list.top_addr_idle_median_s']).toBeGreaterThanOrEqual(IDLE_SECONDS);
    expect(r.metrics['client_list.top_addr_name']).toBe('app');
    expect(r.metrics['client_list.top_name']).toBe('app');
    expect(r.metrics['client_list.top_name_clients']).toBe(LEAKED);
    const byName = r.tables.find((t) => t.title === 'Clients by name');
    expect(byName?.rows[0]?.slice(0, 3)).toEqual(['app', String(LEAKED), '1']);
    expect(r.tables.find((t) => t.title === 'Clients by last command')?.rows.length).toBeGreaterThan(0);
  });

  it('the connections runbook names the leaking address, near-maxclients and the rejections', () => {
    expect(report.steps.every((s) => s.ok)).toBe(true);
    const byId = new Map(report.findings.map((f) => [f.id, f]));
    expect(byId.get('connection-leak')?.title).toMatch(
      /^127\.0\.0\.1 holds 100% of connections \(151 of 151\), (99|\d\d\.\d)% idle ≥ 1 s, mostly "app"$/,
    );
    expect(byId.get('near-maxclients')?.title).toMatch(/^15\d clients connected of maxclients 160 \(9\d(\.\d)?%\)/);
    expect(byId.get('rejected-connections')?.title).toMatch(/^\d+ connections rejected since start: maxclients 160/);
    expect(byId.get('top-client-name')?.title).toContain('"app" (150)');
    expect(byId.has('not-enough-connections')).toBe(false);
    expect(byId.has('top-address')).toBe(false);
  });

  it('proposes killing the idle clients of 127.0.0.1 and raising maxclients, when those actions allow the workload', () => {
    const proposals = proposalsFor(runbook, report, target(redis.url));
    expect(proposals.map((p) => p.action)).toEqual(['kill-idle-clients', 'config-set-maxclients']);
    expect(proposals[0]?.reason).toContain('127.0.0.1 holds 151 connections, 150 idle ≥ 1 s');
    // While the actions are not in the catalog the rules are only linted against their planner options.
    for (const p of proposals) if (p.inCatalog && p.allowed) expect(p.planned, p.action).toBe(true);
  });
});

describe('connections: too few clients', () => {
  let redis: RedisProcess;

  beforeAll(async () => {
    redis = await startRedis();
  });

  afterAll(async () => {
    await redis?.stop();
  });

  it('finds not-enough-connections on an instance nobody uses, and no leak', async () => {
    const report = await diagnose(loadRunbook('connections'), target(redis.url));
    const ids = report.findings.map((f) => f.id);
    expect(ids).toContain('not-enough-connections');
    expect(report.findings.find((f) => f.id === 'not-enough-connections')?.title).toMatch(/^Only 1 clients connected/);
    expect(ids).not.toContain('connection-leak');
    expect(ids).not.toContain('rejected-connections');
    expect(proposalsFor(loadRunbook('connections'), report, target(redis.url))).toEqual([]);
  });
});

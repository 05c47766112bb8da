import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMemoryPressure } from '../../../src/devtools/memory-pressure.js';
import { type RedisProcess, startRedis } from '../../../src/devtools/redis-process.js';
import { parseInfo } from '../../../src/kernel/info.js';
import { diagnose, finding, loadRunbook, stepErrors, target } from '../../support/probe-support.js';

/** `cmdstat_<name>` → calls, from INFO commandstats. */
async function commandCalls(client: Redis): Promise<Map<string, number>> {
  const info = parseInfo(await client.info('commandstats'));
  return new Map(
    Object.entries(info).map(([k, v]) => [k.replace(/^cmdstat_/, ''), Number(/calls=(\d+)/.exec(v)?.[1] ?? 0)]),
  );
}

/**
 * The `overview` runbook (what `/redis diag <target>` runs by default) against real redis-servers: it finds what
 * is wrong, names the runbook to run next, and costs only O(1) commands — no key scan, no CLIENT LIST, no KEYS.
 */
describe('overview runbook', () => {
  let healthy: RedisProcess;
  let pressed: RedisProcess;

  beforeAll(async () => {
    [healthy, pressed] = await Promise.all([
      startRedis(),
      startRedis(['--enable-debug-command', 'local', '--slowlog-log-slower-than', '10000']),
    ]);
    await applyMemoryPressure(pressed.client(), { usedPct: 92, bigKeyBytes: 64 * 1024 });
    await pressed.client().call('DEBUG', 'SLEEP', '0.15');
  });
  afterAll(async () => {
    await healthy?.stop();
    await pressed?.stop();
  });

  it('runs every step on a healthy Redis and finds nothing to worry about', async () => {
    const report = await diagnose(loadRunbook('overview'), target(healthy.url));
    expect(stepErrors(report)).toEqual([]);
    expect(report.steps.map((s) => s.probe)).toEqual([
      'reachability',
      'memory',
      'stats',
      'persistence',
      'replication',
      'slowlog',
    ]);
    expect(report.findings.filter((f) => f.severity !== 'info')).toEqual([]);
  });

  it('names memory pressure and slow commands, each with the runbook to run next', async () => {
    const report = await diagnose(loadRunbook('overview'), target(pressed.url));
    expect(stepErrors(report)).toEqual([]);
    // 92 % planted; the diagnosis's own small allocations may push it past 95 %.
    const memory = finding(report, 'memory-high') ?? finding(report, 'memory-critical');
    expect(memory?.title).toMatch(/^Memory at 9\d(\.\d)?% of the limit \(.+ MiB of .+ MiB\), policy noeviction$/);
    expect(memory?.detail).toContain('high-memory');
    expect(finding(report, 'slow-commands')?.title).toMatch(/^Slow log: DEBUG ×1, up to \d+(\.\d+)? ms$/);
  });

  it('sends only cheap commands: INFO, CONFIG GET, SLOWLOG GET, PING, TIME — nothing that walks keys or clients', async () => {
    const client = healthy.client();
    const before = await commandCalls(client);
    await diagnose(loadRunbook('overview'), target(healthy.url));
    const after = await commandCalls(client);
    const sent = [...after].filter(([name, calls]) => calls > (before.get(name) ?? 0)).map(([name]) => name);
    // This test's own INFO commandstats shows up too.
    const allowed = /^(info|ping|time|config\|get|slowlog\|get|slowlog\|len|client\|setname|hello|select|command.*)$/;
    expect(sent.filter((c) => !allowed.test(c))).toEqual([]);
    expect(sent).toContain('info');
  });
});

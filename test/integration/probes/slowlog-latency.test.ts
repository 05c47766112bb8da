import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisProcess, startRedis } from '../../../src/devtools/redis-process.js';
import { latencyProbe } from '../../../src/diagnostics/probes/latency.js';
import { slowlogProbe } from '../../../src/diagnostics/probes/slowlog.js';
import { diagnose, loadRunbook, runProbe, target } from '../../support/probe-support.js';

/**
 * Slow commands for real: DEBUG SLEEP 0.2 (allowed by --enable-debug-command local) run three times by a named
 * client, on a server logging everything over 10 ms and recording latency events over 100 ms.
 */
describe('slowlog and latency probes against a real redis-server', () => {
  let redis: RedisProcess;
  let quiet: RedisProcess;
  let app: Redis;

  beforeAll(async () => {
    [redis, quiet] = await Promise.all([
      startRedis([
        '--enable-debug-command',
        'local',
        '--slowlog-log-slower-than',
        '10000',
        '--latency-monitor-threshold',
        '100',
      ]),
      startRedis(),
    ]);
    app = redis.client();
    await app.client('SETNAME', 'batch-job');
    for (let i = 0; i < 3; i++) await app.call('DEBUG', 'SLEEP', '0.2');
    // A secret that must never be printed: logged on purpose by lowering the threshold around it.
    await app.config('SET', 'slowlog-log-slower-than', '0');
    await app.config('SET', 'masterauth', 'hunter2-secret');
    await app.config('SET', 'slowlog-log-slower-than', '10000');
  });

  afterAll(async () => {
    await redis?.stop();
    await quiet?.stop();
  });

  it('slowlog names DEBUG, its worst duration, arguments and client', async () => {
    const r = await runProbe(slowlogProbe, target(redis.url));
    expect(r.metrics['slowlog.entries']).toBeGreaterThanOrEqual(4);
    expect(r.metrics['slowlog.top_command']).toBe('DEBUG');
    expect(r.metrics['slowlog.top_command_count']).toBe(3);
    expect(r.metrics['slowlog.top_command_max_ms']).toBeGreaterThanOrEqual(195);
    expect(r.metrics['slowlog.max_ms']).toBe(r.metrics['slowlog.top_command_max_ms']);
    expect(r.metrics['slowlog.top_command_args']).toBe('SLEEP 0.2');
    expect(r.metrics['slowlog.top_command_client']).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(r.metrics['slowlog.top_command_client_name']).toBe('batch-job');
    expect(r.metrics['slowlog.slower_than_us']).toBe(10000);
    expect(r.tables[0]?.rows[0]?.[0]).toBe('DEBUG');
    const shown = JSON.stringify(r);
    expect(shown).toContain('masterauth');
    expect(shown).not.toContain('hunter2');
  });

  it('latency names the fork state, the latency event and DEBUG as the top command by time', async () => {
    const r = await runProbe(latencyProbe, target(redis.url));
    expect(r.metrics['latency.latest_event']).toBe('command');
    expect(r.metrics['latency.max_latest_ms']).toBeGreaterThanOrEqual(195);
    expect(r.metrics['latency.top_command_by_usec']).toBe('debug');
    expect(r.metrics['latency.top_command_usec_per_call']).toBeGreaterThanOrEqual(195_000);
    expect(r.metrics['latency.slowest_command_per_call']).toBe('debug');
    expect(r.metrics['latency.fork_in_progress']).toBe(0);
    expect(r.metrics['latency.monitor_threshold_ms']).toBe(100);
    expect(r.notes.some((n) => n.startsWith('LATENCY DOCTOR:'))).toBe(true);
  });

  it('latency says LATENCY LATEST is empty while latency-monitor-threshold is 0, and leaves the config alone', async () => {
    const r = await runProbe(latencyProbe, target(quiet.url));
    expect(r.metrics['latency.events']).toBe(0);
    expect(r.metrics['latency.monitor_threshold_ms']).toBe(0);
    expect(r.notes.join(' ')).toMatch(/latency-monitor-threshold 0.*does not change it/);
    expect(await quiet.client().config('GET', 'latency-monitor-threshold')).toEqual(['latency-monitor-threshold', '0']);
  });

  it('the latency-spike runbook finds the slow command by name', async () => {
    const report = await diagnose(loadRunbook('latency-spike'), target(redis.url));
    expect(report.steps.map((s) => [s.probe, s.ok])).toEqual([
      ['slowlog', true],
      ['latency', true],
      ['stats', true],
    ]);
    const slow = report.findings.find((f) => f.id === 'slow-command');
    expect(slow?.title).toMatch(/^Slow log: DEBUG ×3, up to \d+(\.\d)? ms .* from 127\.0\.0\.1:\d+ "batch-job"$/);
    expect(slow?.detail).toBe('Worst call: DEBUG SLEEP 0.2');
    expect(report.findings.find((f) => f.id === 'latency-event')?.title).toContain('Latency event command');
    expect(report.findings.find((f) => f.id === 'top-command-time')?.title).toContain('Most server time goes to debug');
    expect(report.findings.map((f) => f.id)).not.toContain('keys-in-production');
  });
});

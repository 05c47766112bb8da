import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { builtInCatalogs } from '../../../src/catalogs.js';
import { type Target, TargetSchema } from '../../../src/config/config-file.js';
import { type RedisProcess, startRedis } from '../../../src/devtools/redis-process.js';
import { waitUntil } from '../../../src/devtools/wait-until.js';
import type { DiagnosisReport } from '../../../src/diagnostics/diagnosis.js';
import { PROBES } from '../../../src/diagnostics/probe-catalog.js';
import { readTimeoutFor, runRunbook } from '../../../src/diagnostics/run-runbook.js';
import { createLogger } from '../../../src/kernel/logger.js';
import { loadRunbooksOrThrow } from '../../../src/runbooks/runbook-loader.js';
import { type Runbook, RunbookSchema } from '../../../src/runbooks/runbook-schema.js';
import { Topology } from '../../../src/targets/topology.js';

/**
 * A target that accepts TCP but has stopped answering (redis-server under SIGSTOP: the kernel still completes the
 * handshake) must fail its own steps within their budgets, each saying which target timed out — whether it was
 * stopped before the diagnosis connected, after, or in the middle of a key scan.
 */
describe('a hung target (SIGSTOP)', () => {
  let redis: RedisProcess;
  let stopped = false;
  const runbooks = loadRunbooksOrThrow('runbooks', builtInCatalogs());
  const named = (name: string) => runbooks.find((r) => r.name === name) as Runbook;
  const target: () => Target = () =>
    TargetSchema.parse({ name: 'hung-1', url: redis.url, workload: 'cache', match: { instance: 'hung-1' } });
  const stop = () => {
    process.kill(redis.pid, 'SIGSTOP');
    stopped = true;
  };

  beforeEach(async () => {
    redis = await startRedis();
  });

  afterEach(async () => {
    if (stopped) process.kill(redis.pid, 'SIGCONT');
    stopped = false;
    await redis.stop();
  });

  async function diagnose(runbook: Runbook, topology: Topology): Promise<DiagnosisReport> {
    try {
      return await runRunbook(runbook, target(), topology, PROBES, createLogger('silent'));
    } finally {
      topology.close();
    }
  }

  function expectEveryStepTimedOut(runbook: Runbook, report: DiagnosisReport) {
    expect(report.steps).toHaveLength(runbook.steps.length);
    runbook.steps.forEach((step, i) => {
      const outcome = report.steps[i];
      expect(outcome?.ok).toBe(false);
      expect(outcome?.error).toMatch(/^hung-1: .*timed out/);
      expect(outcome?.durationMs).toBeLessThan(step.timeoutSeconds * 1000);
    });
  }

  it('stopped before the diagnosis: every high-memory step fails in its budget, the node asked only once', async () => {
    const runbook = named('high-memory');
    stop();
    const report = await diagnose(runbook, new Topology(target(), readTimeoutFor(runbook)));
    expectEveryStepTimedOut(runbook, report);
    expect(report.steps[0]?.error).toBe(
      `hung-1: primary is unreachable: timed out, no reply from 127.0.0.1:${redis.port} within 5000 ms`,
    );
    // The topology remembers the silent node: the later steps give the same answer instead of waiting again.
    expect(new Set(report.steps.map((s) => s.error)).size).toBe(1);
  });

  it('stopped after the diagnosis connected: the next command times out and the steps after it fail too', async () => {
    const runbook = named('connections');
    const topology = new Topology(target(), readTimeoutFor(runbook));
    await topology.primary();
    stop();
    const report = await diagnose(runbook, topology);
    expectEveryStepTimedOut(runbook, report);
    expect(report.steps[0]?.error).toContain(`timed out, no reply from 127.0.0.1:${redis.port} within 5000 ms`);
  });

  it('stopped in the middle of a key scan: the scan socket times out and names the target', async () => {
    const seed = redis.client();
    const pipeline = seed.pipeline();
    for (let i = 0; i < 2000; i++) pipeline.set(`k:${i}`, 'v');
    await pipeline.exec();
    // Slow pacing so the scan is still running when the server stops: one key per write, a pause after each.
    const runbook = RunbookSchema.parse({
      name: 'scan-only',
      title: 'Scan only',
      match: { alertnames: ['X'] },
      steps: [
        { probe: 'largest-keys', params: { burstSize: 1, batchSize: 10, workMs: 1, pauseMs: 20 }, timeoutSeconds: 6 },
        { probe: 'memory', timeoutSeconds: 6 },
      ],
    });
    const diagnosis = diagnose(runbook, new Topology(target(), readTimeoutFor(runbook)));
    const watcher = new Redis(redis.port, '127.0.0.1', { lazyConnect: true });
    await watcher.connect();
    await waitUntil(async () => String(await watcher.client('LIST')).includes('name=largest-keys-scan'), {
      what: 'the scan connection',
      intervalMs: 20,
    });
    watcher.disconnect();
    stop();
    const result = await diagnosis;
    expectEveryStepTimedOut(runbook, result);
    expect(result.steps[0]?.error).toBe(
      `hung-1: 127.0.0.1:${redis.port} (largest-keys-scan) is unreachable: timed out, no reply within 3000 ms`,
    );
  });
});

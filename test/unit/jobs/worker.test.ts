import { DelayedError, UnrecoverableError } from 'bullmq';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Metrics } from '../../../src/http/metrics.js';
import type { JobHandlers } from '../../../src/jobs/handlers.js';
import { processJob } from '../../../src/jobs/worker.js';
import { AppError } from '../../../src/kernel/errors.js';
import { createLogger } from '../../../src/kernel/logger.js';

const ok = () => Promise.resolve('ok');

/** A handler map whose every handler answers 'ok' unless the test overrides it. */
function handlers(over: Partial<JobHandlers> = {}): JobHandlers {
  return {
    alerts: ok,
    diagnostics: ok,
    remediations: ok,
    'incident.open': ok,
    'incident.note': ok,
    'incident.severity': ok,
    'incident.commander': ok,
    'incident.resolve': ok,
    'incident.timeline': ok,
    'incident.export': ok,
    'redis.info': ok,
    'redis.targets': ok,
    ...over,
  };
}

function deps(over: Partial<JobHandlers> = {}) {
  const metrics = new Metrics();
  metrics.counter('rib_jobs_total', 'jobs');
  return { handlers: handlers(over), metrics, logger: createLogger('silent') };
}

const INC = { incidentId: 'INC-3', user: 'U0ALICE' };

describe('processJob', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('dispatches by job name with the validated data (defaults applied) and counts by queue', async () => {
    const exportJob = vi.fn(async () => 'uploaded');
    const d = deps({ 'incident.export': exportJob });
    const result = await processJob('commands', { id: '1', name: 'incident.export', data: INC }, d);
    expect(result).toBe('uploaded');
    expect(exportJob).toHaveBeenCalledWith({ ...INC, format: 'md' }, expect.objectContaining({ jobId: '1' }));
    expect(d.metrics.value('rib_jobs_total', { queue: 'commands', result: 'ok' })).toBe(1);
  });

  it('counts a failing handler as an error of its queue and rethrows it as it is (retryable)', async () => {
    const boom = new AppError('SLACK_API_FAILED', 'slack said no');
    const d = deps({ 'incident.note': () => Promise.reject(boom) });
    const run = processJob('commands', { id: '2', name: 'incident.note', data: { ...INC, text: 'hi' } }, d);
    await expect(run).rejects.toBe(boom);
    expect(d.metrics.value('rib_jobs_total', { queue: 'commands', result: 'error' })).toBe(1);
  });

  it('fails an unknown job name, or a name from another queue, without retries and without calling a handler', async () => {
    const remediate = vi.fn(ok);
    const d = deps({ remediations: remediate });
    await expect(processJob('commands', { id: '3', name: 'launch.rockets', data: {} }, d)).rejects.toBeInstanceOf(
      UnrecoverableError,
    );
    await expect(
      processJob('commands', { id: '4', name: 'remediations', data: { proposalId: 'P-1' } }, d),
    ).rejects.toBeInstanceOf(UnrecoverableError);
    expect(remediate).not.toHaveBeenCalled();
    expect(d.metrics.value('rib_jobs_total', { queue: 'commands', result: 'error' })).toBe(0);
  });

  it('fails invalid data without retries', async () => {
    const note = vi.fn(ok);
    const run = processJob(
      'commands',
      { id: '5', name: 'incident.note', data: { ...INC, text: '' } },
      deps({ 'incident.note': note }),
    );
    await expect(run).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(run).rejects.toThrow(/invalid incident\.note job data/);
    expect(note).not.toHaveBeenCalled();
  });

  it('turns INCIDENT_NOT_FOUND into an UnrecoverableError naming the code', async () => {
    const d = deps({
      'incident.open': () => Promise.reject(new AppError('INCIDENT_NOT_FOUND', 'no incident INC-3')),
    });
    const run = processJob('commands', { id: '6', name: 'incident.open', data: INC }, d);
    await expect(run).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(run).rejects.toThrow('INCIDENT_NOT_FOUND: no incident INC-3');
  });

  it('runs a pre-split commands job as its kind', async () => {
    const severity = vi.fn(ok);
    const data = { command: 'severity', ...INC, severity: 'sev1' };
    await processJob('commands', { id: '7', name: 'commands', data }, deps({ 'incident.severity': severity }));
    expect(severity).toHaveBeenCalledWith({ ...INC, severity: 'sev1' }, expect.anything());
  });

  it('gives up on a job that outlives its catalog timeout', async () => {
    vi.useFakeTimers();
    const d = deps({ 'redis.targets': () => new Promise(() => {}) });
    const run = processJob('commands', { id: '8', name: 'redis.targets', data: { user: 'U0ALICE', channel: 'C1' } }, d);
    const settled = expect(run).rejects.toThrow(/redis\.targets job 8 took longer than 60000 ms/);
    await vi.advanceTimersByTimeAsync(60_000);
    await settled;
  });

  it("defers a job through BullMQ's moveToDelayed with the worker's token, lets DelayedError through, counts nothing", async () => {
    const moveToDelayed = vi.fn(async () => {});
    const d = deps({ diagnostics: (_data, { defer }) => defer(500) });
    const data = { incidentId: 'INC-3', target: 'cache-1', runbook: 'high-memory', requestedBy: 'alertmanager' };
    const before = Date.now();
    const run = processJob('diagnostics', { id: '9', name: 'diagnostics', data, moveToDelayed }, d, 'token-1');
    await expect(run).rejects.toBeInstanceOf(DelayedError);
    expect(moveToDelayed).toHaveBeenCalledWith(expect.any(Number), 'token-1');
    expect((moveToDelayed.mock.calls[0] as unknown as [number])[0]).toBeGreaterThanOrEqual(before + 500);
    expect(d.metrics.value('rib_jobs_total', { queue: 'diagnostics', result: 'error' })).toBe(0);
    expect(d.metrics.value('rib_jobs_total', { queue: 'diagnostics', result: 'ok' })).toBe(0);
  });

  it('refuses to defer a job that was not taken by a worker', async () => {
    const d = deps({ diagnostics: (_data, { defer }) => defer(500) });
    const data = { incidentId: 'INC-3', target: 'cache-1', runbook: 'high-memory', requestedBy: 'alertmanager' };
    await expect(processJob('diagnostics', { id: '10', name: 'diagnostics', data }, d)).rejects.toThrow(
      'job 10 cannot be deferred outside a worker',
    );
  });
});

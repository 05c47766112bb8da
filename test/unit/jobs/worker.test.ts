import { DelayedError, UnrecoverableError } from 'bullmq';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JobHandlers } from '../../../src/jobs/handlers.js';
import { lockWaitDelay, MAX_LOCK_WAITS, processJob } from '../../../src/jobs/worker.js';
import { AppError } from '../../../src/kernel/errors.js';
import { createLogger } from '../../../src/kernel/logger.js';
import { Metrics } from '../../../src/kernel/metrics.js';

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
    'incident.channel': ok,
    'incident.file-message': ok,
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

  it('fails a job Slack refused for good (invalid_auth, channel_not_found) without retries', async () => {
    const d = deps({
      'incident.timeline': () => Promise.reject(new AppError('SLACK_API_REFUSED', 'Slack API error: invalid_auth')),
    });
    const run = processJob('commands', { id: '9', name: 'incident.timeline', data: INC }, d);
    await expect(run).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(run).rejects.toThrow('SLACK_API_REFUSED: Slack API error: invalid_auth');
  });
});

describe('processJob on a busy lock', () => {
  const webhook = {
    version: '4',
    groupKey: '{}:{alertname="A"}',
    status: 'firing',
    receiver: 'r',
    groupLabels: {},
    commonLabels: {},
    externalURL: '',
    alerts: [
      {
        status: 'firing',
        labels: { alertname: 'A' },
        startsAt: '2026-11-22T22:39:41Z',
        endsAt: '0001-01-01T00:00:00Z',
        fingerprint: 'f1',
      },
    ],
  };
  const busy = () => Promise.reject(new AppError('LOCK_BUSY', 'lock rib:lock:group:abc is held'));
  const taken = (attemptsStarted: number, attemptsMade = 0) => {
    const moveToDelayed = vi.fn(async (_ts: number, _token?: string) => {});
    return {
      job: {
        id: 'a1',
        name: 'alerts',
        data: { webhook, receivedAt: 'now' },
        attemptsStarted,
        attemptsMade,
        moveToDelayed,
      },
      moveToDelayed,
    };
  };

  it('puts the job back as delayed (DelayedError: no attempt used) and counts it as deferred, not an error', async () => {
    const d = deps({ alerts: busy });
    const { job, moveToDelayed } = taken(3);
    const before = Date.now();
    await expect(processJob('alerts', job, d, 'token-1')).rejects.toBeInstanceOf(DelayedError);
    expect(moveToDelayed).toHaveBeenCalledWith(expect.any(Number), 'token-1');
    const until = moveToDelayed.mock.calls[0]![0];
    expect(until - before).toBeGreaterThanOrEqual(lockWaitDelay(3, () => 0));
    expect(until - Date.now()).toBeLessThanOrEqual(lockWaitDelay(3, () => 1));
    expect(d.metrics.value('rib_jobs_total', { queue: 'alerts', result: 'deferred' })).toBe(1);
    expect(d.metrics.value('rib_jobs_total', { queue: 'alerts', result: 'error' })).toBe(0);
  });

  it('counts a failed attempt once the lock stayed busy through every wait', async () => {
    const d = deps({ alerts: busy });
    // One failed attempt plus MAX_LOCK_WAITS waits before this run.
    const { job, moveToDelayed } = taken(MAX_LOCK_WAITS + 2, 1);
    await expect(processJob('alerts', job, d, 'token-1')).rejects.toThrow(/LOCK_BUSY|is held/);
    expect(moveToDelayed).not.toHaveBeenCalled();
  });

  it('waits a little longer each time, up to 2 s, jittered', () => {
    expect(lockWaitDelay(1, () => 0.5)).toBe(100);
    expect(lockWaitDelay(5, () => 0.5)).toBe(500);
    expect(lockWaitDelay(50, () => 0.5)).toBe(2000);
    expect(lockWaitDelay(50, () => 0)).toBe(1500);
    expect(lockWaitDelay(50, () => 1)).toBe(2500);
    // The whole budget is bounded: about three minutes of waiting.
    const total = Array.from({ length: MAX_LOCK_WAITS }, (_, i) => lockWaitDelay(i + 1, () => 0.5)).reduce(
      (a, b) => a + b,
      0,
    );
    expect(total).toBeLessThan(4 * 60_000);
  });
});

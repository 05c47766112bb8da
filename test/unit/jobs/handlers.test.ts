import { describe, expect, it, vi } from 'vitest';
import { createJobHandlers, type JobHandlerDeps } from '../../../src/jobs/handlers.js';
import { createLogger } from '../../../src/kernel/logger.js';

const logger = createLogger('silent');
const ctx = { jobId: 'j1', logger, defer: () => Promise.reject(new Error('not deferred in these tests')) };

function deps(calls: string[]): JobHandlerDeps<{ findings: number }, { action: string }> {
  const note = (what: string) => async () => {
    calls.push(what);
  };
  return {
    alerts: { handle: vi.fn(async () => ({ changes: 1 })) },
    diagnosis: {
      run: vi.fn(async () => {
        calls.push('run');
        return { report: { findings: 2 }, proposals: [{ action: 'memory-purge' }], requester: 'bot' };
      }),
      finish: vi.fn(note('finish')),
    },
    proposals: { propose: vi.fn(note('propose')) },
    remediation: { execute: vi.fn(async () => 'executed') },
    lifecycle: {
      open: vi.fn(note('open')),
      note: vi.fn(note('note')),
      severity: vi.fn(note('severity')),
      commander: vi.fn(note('commander')),
      resolve: vi.fn(note('resolve')),
      fileMessage: vi.fn(note('file-message')),
    },
    channels: { open: vi.fn(note('channel')) },
    commands: {
      postTimeline: vi.fn(note('timeline')),
      export: vi.fn(async () => {
        calls.push('export');
        return true;
      }),
    },
    redis: { info: vi.fn(note('info')), health: vi.fn(note('health')) },
    // Every target free: the work runs at once.
    targetSlots: { run: (_target, _defer, work) => work() },
  };
}

const DIAG = { incidentId: 'INC-1', target: 'cache-1', runbook: 'memory', requestedBy: 'alertmanager' };

describe('createJobHandlers', () => {
  it('runs a diagnosis, then proposes what it asks for, then finishes; returns the report', async () => {
    const calls: string[] = [];
    const d = deps(calls);
    const report = await createJobHandlers(d).diagnostics(DIAG, ctx);
    expect(calls).toEqual(['run', 'propose', 'finish']);
    // The job id names the diagnosis for all three, so a re-run continues from what it kept.
    expect(d.diagnosis.run).toHaveBeenCalledWith(DIAG, logger, 'j1');
    expect(d.proposals.propose).toHaveBeenCalledWith('INC-1', [{ action: 'memory-purge' }], 'bot', logger, 'j1');
    expect(d.diagnosis.finish).toHaveBeenCalledWith('INC-1', { findings: 2 }, 'j1');
    expect(report).toEqual({ findings: 2 });
  });

  it('proposes nothing and finishes nothing when the diagnosis could not run', async () => {
    const calls: string[] = [];
    const d = deps(calls);
    d.diagnosis.run = vi.fn(async () => undefined);
    expect(await createJobHandlers(d).diagnostics(DIAG, ctx)).toBeUndefined();
    expect(calls).toEqual([]);
  });

  it("runs the diagnosis inside its target's slot, and nothing at all when the target is busy (deferred)", async () => {
    const calls: string[] = [];
    const d = deps(calls);
    const asked: string[] = [];
    d.targetSlots = {
      run: (target, defer) => {
        asked.push(target);
        return defer(1000);
      },
    };
    const deferred = new Error('deferred');
    const defer = vi.fn(() => Promise.reject(deferred));
    await expect(createJobHandlers(d).diagnostics(DIAG, { ...ctx, defer })).rejects.toBe(deferred);
    expect(asked).toEqual(['cache-1']);
    expect(defer).toHaveBeenCalledWith(1000);
    expect(calls).toEqual([]);
  });

  it('hands each command kind to its one service method', async () => {
    const calls: string[] = [];
    const d = deps(calls);
    const h = createJobHandlers(d);
    const inc = { incidentId: 'INC-2', user: 'U0ALICE' };
    await h['incident.severity']({ ...inc, severity: 'sev1' }, ctx);
    await h['incident.resolve']({ ...inc, summary: 'done' }, ctx);
    await h['incident.export']({ ...inc, format: 'json' }, ctx);
    await h['redis.targets']({ user: 'U0ALICE', channel: 'C1' }, ctx);
    expect(calls).toEqual(['severity', 'resolve', 'export', 'health']);
    expect(d.lifecycle.severity).toHaveBeenCalledWith('INC-2', 'U0ALICE', 'sev1', 'j1');
    expect(d.lifecycle.resolve).toHaveBeenCalledWith('INC-2', 'U0ALICE', 'done', 'j1', logger);
    expect(d.commands.export).toHaveBeenCalledWith('INC-2', 'U0ALICE', 'json', logger);
    expect(await h.remediations({ proposalId: 'P-1' }, ctx)).toBe('executed');
    expect(d.remediation.execute).toHaveBeenCalledWith('P-1', logger);
  });
});

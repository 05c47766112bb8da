import { describe, expect, it } from 'vitest';
import { JOBS, type JobName, QUEUE_NAMES, resolveJobName } from '../../../src/jobs/catalog.js';

const COMMAND_KINDS: JobName[] = [
  'incident.open',
  'incident.note',
  'incident.severity',
  'incident.commander',
  'incident.resolve',
  'incident.timeline',
  'incident.export',
  'incident.channel',
  'incident.file-message',
  'redis.info',
  'redis.targets',
];

describe('job catalog', () => {
  it('keeps the four public queue names', () => {
    expect(QUEUE_NAMES).toEqual(['alerts', 'diagnostics', 'remediations', 'commands']);
  });

  it('gives each slash-command kind its own entry on the commands queue', () => {
    const onCommands = Object.entries(JOBS)
      .filter(([, spec]) => spec.queue === 'commands')
      .map(([name]) => name);
    expect(onCommands.sort()).toEqual([...COMMAND_KINDS].sort());
    for (const name of COMMAND_KINDS) expect(JOBS[name]).toMatchObject({ attempts: 3, timeoutMs: 60_000 });
  });

  it('keeps one attempt for diagnoses and fixes, eight for alert notifications', () => {
    expect(JOBS.alerts).toMatchObject({ queue: 'alerts', attempts: 8, timeoutMs: 30_000 });
    expect(JOBS.diagnostics).toMatchObject({ queue: 'diagnostics', attempts: 1, timeoutMs: 300_000 });
    expect(JOBS.remediations).toMatchObject({ queue: 'remediations', attempts: 1, timeoutMs: 120_000 });
  });

  it('validates each kind by its own schema, with its defaults', () => {
    const base = { incidentId: 'INC-7', user: 'U0ALICE' };
    expect(JOBS['incident.export'].schema.parse(base)).toEqual({ ...base, format: 'md' });
    expect(JOBS['incident.resolve'].schema.parse(base)).toEqual({ ...base, summary: '' });
    expect(JOBS['incident.note'].schema.safeParse({ ...base, text: '' }).success).toBe(false);
    expect(JOBS['incident.severity'].schema.safeParse({ ...base, severity: 'sev9' }).success).toBe(false);
    expect(JOBS['incident.open'].schema.safeParse({ incidentId: 'inc-7', user: 'U0ALICE' }).success).toBe(false);
    expect(
      JOBS['redis.info'].schema.safeParse({ user: 'U0ALICE', channel: 'C1', target: 't', section: 'x' }).success,
    ).toBe(false);
  });

  it('resolves a job name only on its own queue', () => {
    expect(resolveJobName('commands', 'incident.note', {})).toBe('incident.note');
    expect(resolveJobName('alerts', 'alerts', {})).toBe('alerts');
    expect(resolveJobName('alerts', 'incident.note', {})).toBeUndefined();
    expect(resolveJobName('commands', 'remediations', {})).toBeUndefined();
    expect(resolveJobName('commands', 'launch.rockets', {})).toBeUndefined();
    expect(resolveJobName('commands', 'toString', {})).toBeUndefined();
  });

  it('maps a pre-split commands job to its kind, and its data fits that kind', () => {
    const old = { command: 'note', incidentId: 'INC-7', user: 'U0ALICE', text: 'restarted the replica' };
    expect(resolveJobName('commands', 'commands', old)).toBe('incident.note');
    expect(JOBS['incident.note'].schema.parse(old)).toEqual({
      incidentId: 'INC-7',
      user: 'U0ALICE',
      text: 'restarted the replica',
    });
    expect(resolveJobName('commands', 'commands', { command: 'redis-targets' })).toBe('redis.targets');
    expect(resolveJobName('commands', 'commands', { command: 'launch' })).toBeUndefined();
    expect(resolveJobName('commands', 'commands', { command: 'toString' })).toBeUndefined();
    expect(resolveJobName('commands', 'commands', null)).toBeUndefined();
    expect(resolveJobName('alerts', 'commands', old)).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { bgsaveAction } from '../../../../src/remediation/actions/bgsave.js';

describe('bgsave plan and command', () => {
  it('plans with no parameters whatever the metrics', () => {
    expect(bgsaveAction.plan({}, {})).toEqual({});
    expect(bgsaveAction.plan({ 'persistence.rdb_last_bgsave_status': 'err' }, {})).toEqual({});
  });

  it('takes no options (strict)', () => {
    expect(() => bgsaveAction.plan({}, { force: true })).toThrow();
    expect(bgsaveAction.planOptionsSchema.safeParse({}).success).toBe(true);
    expect(bgsaveAction.paramsSchema.safeParse({ x: 1 }).success).toBe(false);
  });

  it('runs BGSAVE on any workload', () => {
    expect(bgsaveAction.command({})).toBe('BGSAVE');
    expect(bgsaveAction.workloads).toEqual(['cache', 'session', 'queue']);
  });
});

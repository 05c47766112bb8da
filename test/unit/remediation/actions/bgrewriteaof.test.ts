import { describe, expect, it } from 'vitest';
import { bgrewriteaofAction } from '../../../../src/remediation/actions/bgrewriteaof.js';

describe('bgrewriteaof plan and command', () => {
  it('plans when nothing says AOF is off', () => {
    expect(bgrewriteaofAction.plan({}, {})).toEqual({});
    expect(bgrewriteaofAction.plan({ 'persistence.aof_enabled': 1 }, {})).toEqual({});
    expect(bgrewriteaofAction.plan({ 'persistence.aof_enabled': '1' }, {})).toEqual({});
  });

  it('declines when a probe measured aof_enabled 0', () => {
    expect(bgrewriteaofAction.plan({ 'persistence.aof_enabled': 0 }, {})).toBeUndefined();
  });

  it('takes no options and runs BGREWRITEAOF on any workload', () => {
    expect(() => bgrewriteaofAction.plan({}, { now: 1 })).toThrow();
    expect(bgrewriteaofAction.command({})).toBe('BGREWRITEAOF');
    expect(bgrewriteaofAction.workloads).toEqual(['cache', 'session', 'queue']);
  });
});

import { describe, expect, it } from 'vitest';
import { memoryPurgeAction as action } from '../../../../src/remediation/actions/memory-purge.js';

describe('memory-purge plan', () => {
  it('defaults the minimum ratio to 1.5 whatever the metrics', () => {
    expect(action.plan({}, {})).toEqual({ minRatio: 1.5 });
    expect(action.plan({ 'fragmentation.ratio': 3 }, {})).toEqual({ minRatio: 1.5 });
  });

  it('takes the minimum ratio from the runbook params', () => {
    expect(action.plan({}, { minRatio: 2 })).toEqual({ minRatio: 2 });
  });

  it('refuses a ratio below 1', () => {
    expect(() => action.plan({}, { minRatio: 0.5 })).toThrow();
  });

  it('runs MEMORY PURGE and nothing else', () => {
    expect(action.command({ minRatio: 1.5 })).toBe('MEMORY PURGE');
    expect(action.name).toBe('memory-purge');
  });
});

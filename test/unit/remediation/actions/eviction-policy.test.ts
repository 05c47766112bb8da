import { describe, expect, it } from 'vitest';
import { evictionPolicyAction as action } from '../../../../src/remediation/actions/eviction-policy.js';

const full = { 'memory.policy': 'noeviction', 'memory.used_pct': 92, 'memory.maxmemory_bytes': 1_000_000 };

describe('eviction-policy plan', () => {
  it('switches noeviction to allkeys-lru by default', () => {
    expect(action.plan(full, {})).toEqual({ from: 'noeviction', to: 'allkeys-lru' });
  });

  it('takes allkeys-lfu from the runbook params', () => {
    expect(action.plan(full, { to: 'allkeys-lfu' })).toEqual({ from: 'noeviction', to: 'allkeys-lfu' });
  });

  it('declines unless the measured policy is noeviction', () => {
    expect(action.plan({ ...full, 'memory.policy': 'allkeys-lru' }, {})).toBeUndefined();
    expect(action.plan({ ...full, 'memory.policy': 'volatile-lru' }, {})).toBeUndefined();
    expect(action.plan({ 'memory.used_pct': 92 }, {})).toBeUndefined();
  });

  it('declines without a maxmemory: no policy evicts then', () => {
    expect(action.plan({ ...full, 'memory.maxmemory_bytes': 0 }, {})).toBeUndefined();
  });

  it.each([{ to: 'volatile-lru' }, { to: 'noeviction' }, { to: 'allkeys-random' }, { bogus: 1 }])(
    'refuses options %j',
    (o) => {
      expect(() => action.plan(full, o)).toThrow();
    },
  );

  it('only ever runs on caches', () => {
    expect(action.workloads).toEqual(['cache']);
    expect(action.workloads).not.toContain('session');
    expect(action.workloads).not.toContain('queue');
  });

  it('shows the exact command', () => {
    expect(action.command({ from: 'noeviction', to: 'allkeys-lru' })).toBe(
      'CONFIG SET maxmemory-policy allkeys-lru   (noeviction → allkeys-lru)',
    );
    expect(action.paramsSchema.safeParse({ from: 'allkeys-lru', to: 'allkeys-lfu' }).success).toBe(false);
  });
});

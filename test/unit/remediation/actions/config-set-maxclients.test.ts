import { describe, expect, it } from 'vitest';
import { configSetMaxclientsAction as action } from '../../../../src/remediation/actions/config-set-maxclients.js';

const at = (maxclients: number | string, connected: number | string = 9500) => ({
  'stats.maxclients': maxclients,
  'stats.connected_clients': connected,
});

describe('config-set-maxclients plan', () => {
  it('raises maxclients by 25 % by default', () => {
    expect(action.plan(at(10_000), {})).toEqual({ fromMaxclients: 10_000, toMaxclients: 12_500 });
  });

  it('takes the raise from the runbook params, rounding up', () => {
    expect(action.plan(at(1000), { raisePercent: 10 })).toEqual({ fromMaxclients: 1000, toMaxclients: 1100 });
    expect(action.plan(at(3), { raisePercent: 10 })).toEqual({ fromMaxclients: 3, toMaxclients: 4 });
    expect(action.plan(at(1000), { raisePercent: 100 })).toEqual({ fromMaxclients: 1000, toMaxclients: 2000 });
  });

  it('reads figures given as strings', () => {
    expect(action.plan(at('10000', '9999'), {})).toEqual({ fromMaxclients: 10_000, toMaxclients: 12_500 });
  });

  it('declines without both figures', () => {
    expect(action.plan({}, {})).toBeUndefined();
    expect(action.plan({ 'stats.maxclients': 10_000 }, {})).toBeUndefined();
    expect(action.plan(at(0), {})).toBeUndefined();
  });

  it.each([{ raisePercent: 0 }, { raisePercent: 101 }, { bogus: 1 }])('refuses out-of-bounds options %j', (o) => {
    expect(() => action.plan(at(10_000), o)).toThrow();
  });

  it('produces params its own schema accepts, and refuses unbounded ones', () => {
    expect(action.paramsSchema.safeParse(action.plan(at(10_000), {})).success).toBe(true);
    expect(action.paramsSchema.safeParse({ fromMaxclients: 100, toMaxclients: 100 }).success).toBe(false);
    expect(action.paramsSchema.safeParse({ fromMaxclients: 100, toMaxclients: 201 }).success).toBe(false);
  });
});

describe('config-set-maxclients command', () => {
  it('shows the exact command', () => {
    expect(action.command({ fromMaxclients: 10_000, toMaxclients: 12_500 })).toBe(
      'CONFIG SET maxclients 12500   (10000 → 12500)',
    );
    expect(action.workloads).toEqual(['cache', 'session', 'queue']);
  });
});

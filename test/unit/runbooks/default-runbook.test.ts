import { describe, expect, it } from 'vitest';
import { TargetSchema } from '../../../src/config/config-file.js';
import { isAppError } from '../../../src/kernel/errors.js';
import { assertDefaultRunbooks, DEFAULT_RUNBOOK, defaultRunbookFor } from '../../../src/runbooks/default-runbook.js';

const target = (extra: Record<string, unknown> = {}) =>
  TargetSchema.parse({ name: 'cache-1', url: 'redis://127.0.0.1:1', workload: 'cache', match: { i: 'a' }, ...extra });

describe('default runbook of a target', () => {
  it('is the target’s defaultRunbook, else overview', () => {
    expect(defaultRunbookFor(target({ defaultRunbook: 'latency-spike' }))).toBe('latency-spike');
    expect(defaultRunbookFor(target())).toBe(DEFAULT_RUNBOOK);
    expect(DEFAULT_RUNBOOK).toBe('overview');
  });

  it('the config refuses a defaultRunbook that is no runbook name', () => {
    const r = TargetSchema.safeParse({ ...target(), defaultRunbook: 'Latency Spike' });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['defaultRunbook']);
  });

  it('start-up stops on a defaultRunbook that is not loaded, naming the YAML path and what is loaded', () => {
    const targets = [
      target(),
      { ...target({ defaultRunbook: 'latency-spike' }), name: 'b' },
      target({ defaultRunbook: 'nope' }),
    ];
    expect(() => assertDefaultRunbooks(targets.slice(0, 2), [{ name: 'latency-spike' }])).not.toThrow();
    let error: unknown;
    try {
      assertDefaultRunbooks(targets, [{ name: 'latency-spike' }, { name: 'overview' }]);
    } catch (err) {
      error = err;
    }
    expect(isAppError(error, 'CONFIG_INVALID')).toBe(true);
    expect((error as Error).message).toBe(
      'CONFIG_FILE:\n  targets.2.defaultRunbook: no runbook "nope" is loaded (target cache-1)\n  loaded runbooks: latency-spike, overview',
    );
  });
});

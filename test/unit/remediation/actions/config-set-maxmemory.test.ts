import { describe, expect, it } from 'vitest';
import { configSetMaxmemoryAction as action } from '../../../../src/remediation/actions/config-set-maxmemory.js';

const MB = 1024 * 1024;
const GB = 1024 * MB;

describe('config-set-maxmemory plan', () => {
  it('raises maxmemory by 20 % by default', () => {
    expect(
      action.plan({ 'memory.maxmemory_bytes': 1000 * MB, 'memory.total_system_memory_bytes': 16 * GB }, {}),
    ).toEqual({
      fromBytes: 1000 * MB,
      toBytes: 1200 * MB,
    });
  });

  it('takes the raise from the runbook params', () => {
    const p = action.plan({ 'memory.maxmemory_bytes': 1000 * MB }, { raisePercent: 50 });
    expect(p).toEqual({ fromBytes: 1000 * MB, toBytes: 1500 * MB });
  });

  it('caps the new limit at 75 % of system memory', () => {
    const p = action.plan({ 'memory.maxmemory_bytes': 2900 * MB, 'memory.total_system_memory_bytes': 4 * GB }, {});
    expect(p).toEqual({ fromBytes: 2900 * MB, toBytes: 3 * GB });
  });

  it('uses the configured cap share', () => {
    const p = action.plan(
      { 'memory.maxmemory_bytes': 2 * GB, 'memory.total_system_memory_bytes': 4 * GB },
      { raisePercent: 100, maxOfSystemMemoryPercent: 60 },
    );
    expect(p?.toBytes).toBe(Math.floor(4 * GB * 0.6));
  });

  it('declines when maxmemory is not set (0 or absent)', () => {
    expect(
      action.plan({ 'memory.maxmemory_bytes': 0, 'memory.total_system_memory_bytes': 16 * GB }, {}),
    ).toBeUndefined();
    expect(action.plan({ 'memory.total_system_memory_bytes': 16 * GB }, {})).toBeUndefined();
  });

  it('declines when the host has no headroom under the cap', () => {
    expect(
      action.plan({ 'memory.maxmemory_bytes': 3 * GB, 'memory.total_system_memory_bytes': 4 * GB }, {}),
    ).toBeUndefined();
    expect(
      action.plan({ 'memory.maxmemory_bytes': 3.5 * GB, 'memory.total_system_memory_bytes': 4 * GB }, {}),
    ).toBeUndefined();
  });

  it('reads figures given as strings', () => {
    expect(action.plan({ 'memory.maxmemory_bytes': '1000', 'memory.total_system_memory_bytes': '100000' }, {})).toEqual(
      {
        fromBytes: 1000,
        toBytes: 1200,
      },
    );
  });

  it('produces params its own schema accepts', () => {
    const p = action.plan({ 'memory.maxmemory_bytes': 1000 * MB, 'memory.total_system_memory_bytes': 16 * GB }, {});
    expect(action.paramsSchema.safeParse(p).success).toBe(true);
    expect(action.paramsSchema.safeParse({ fromBytes: 2, toBytes: 1 }).success).toBe(false);
  });

  it.each([{ raisePercent: 0 }, { raisePercent: 500 }, { maxOfSystemMemoryPercent: 99 }, { bogus: 1 }])(
    'refuses out-of-bounds options %j',
    (options) => {
      expect(() => action.plan({ 'memory.maxmemory_bytes': 1000 }, options)).toThrow();
    },
  );
});

describe('config-set-maxmemory command', () => {
  it('shows the exact command with human sizes', () => {
    expect(action.command({ fromBytes: 1000 * MB, toBytes: 1200 * MB })).toBe(
      `CONFIG SET maxmemory ${1200 * MB}   (1000.0 MiB → 1.2 GiB)`,
    );
  });
});

import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { meteredProbes } from '../../../src/diagnostics/metered-probes.js';
import type { Probe, ProbeResult } from '../../../src/diagnostics/probe.js';

const result = (metrics: ProbeResult['metrics']): ProbeResult => ({ metrics, figures: [], tables: [], notes: [] });

const probe = (name: string, run: () => Promise<ProbeResult>): Probe => ({
  name,
  title: name,
  commands: 'none',
  paramsSchema: z.object({}),
  heavy: true,
  run,
});

describe('meteredProbes', () => {
  it('times every run, keeps what the probe is, and measures the pace of key scans only', async () => {
    const runs: Array<[string, boolean]> = [];
    const paces: Array<[string, number]> = [];
    const probes = meteredProbes(
      new Map([
        ['largest-keys', probe('largest-keys', async () => result({ 'largest_keys.keys_scanned': 5000 }))],
        [
          'hot-keys',
          probe('hot-keys', async () => result({ 'hot_keys.method': 'monitor-sample', 'hot_keys.sampled': 900 })),
        ],
        ['memory', probe('memory', async () => result({ 'memory.used_pct': 50 }))],
        ['broken', probe('broken', async () => Promise.reject(new Error('target away')))],
      ]),
      { probeRun: (p, ok) => runs.push([p, ok]), scanPace: (p, kps) => paces.push([p, kps]) },
    );
    const run = (name: string) => {
      const p = probes.get(name);
      if (!p) throw new Error(`no probe ${name}`);
      return (p.run as (c: unknown, params: unknown) => Promise<ProbeResult>)({}, {});
    };
    expect((await run('largest-keys')).metrics['largest_keys.keys_scanned']).toBe(5000);
    await run('hot-keys');
    await run('memory');
    await expect(run('broken')).rejects.toThrow('target away');
    expect(runs).toEqual([
      ['largest-keys', true],
      ['hot-keys', true],
      ['memory', true],
      ['broken', false],
    ]);
    expect(paces.map(([p]) => p)).toEqual(['largest-keys']);
    expect(paces[0]?.[1]).toBeGreaterThan(0);
    expect(probes.get('largest-keys')).toMatchObject({ name: 'largest-keys', heavy: true, commands: 'none' });
  });
});

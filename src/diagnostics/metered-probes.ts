import type { Probe, ProbeResult } from './probe.js';

/** What the probe meter reports (kernel's `Metrics` histograms fit). */
export interface ProbeMeter {
  /** One probe run (per node in a cluster): how long, and whether it succeeded. */
  probeRun(probe: string, ok: boolean, seconds: number): void;
  /** A finished key scan's pace. */
  scanPace(probe: string, keysPerSecond: number): void;
}

/** Keys a probe run went through, when it scans keys: largest keys sized, hot keys read by OBJECT FREQ. */
function keysScanned(result: ProbeResult): number | undefined {
  const m = result.metrics;
  if (typeof m['largest_keys.keys_scanned'] === 'number') return m['largest_keys.keys_scanned'];
  if (m['hot_keys.method'] === 'lfu-object-freq' && typeof m['hot_keys.sampled'] === 'number') {
    return m['hot_keys.sampled'];
  }
  return undefined;
}

/**
 * The probe catalogue with every `run` timed (`rib_probe_duration_seconds`) and the pace of key scans measured
 * (`rib_scan_keys_per_second`). The probes themselves are untouched; the runner cannot tell the difference.
 */
export function meteredProbes(probes: ReadonlyMap<string, Probe>, meter: ProbeMeter): ReadonlyMap<string, Probe> {
  const wrap = <P extends Probe>(p: P): P => {
    const run = p.run.bind(p) as (ctx: never, params: never) => Promise<ProbeResult>;
    const timed = async (ctx: never, params: never): Promise<ProbeResult> => {
      const started = performance.now();
      try {
        const result = await run(ctx, params);
        const seconds = (performance.now() - started) / 1000;
        meter.probeRun(p.name, true, seconds);
        const keys = keysScanned(result);
        if (keys !== undefined && keys > 0 && seconds > 0) meter.scanPace(p.name, keys / seconds);
        return result;
      } catch (err) {
        meter.probeRun(p.name, false, (performance.now() - started) / 1000);
        throw err;
      }
    };
    return { ...p, run: timed } as P;
  };
  return new Map([...probes].map(([name, p]) => [name, wrap(p)]));
}

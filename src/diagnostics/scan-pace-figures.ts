import type { PacedScanResult } from './paced-scan.js';

/**
 * A key scan's pace as flat probe metrics (`<prefix>.keys_per_sec`, `<prefix>.pace_*`), so runbook thresholds,
 * the timeline and a scan-pace metric can read them.
 */
export function paceMetrics(prefix: string, r: PacedScanResult): Record<string, number | string> {
  const p = r.pace;
  return {
    [`${prefix}.keys_per_sec`]: r.durationMs > 0 ? Math.round((r.keysScanned / r.durationMs) * 1000) : 0,
    [`${prefix}.pace_mode`]: p.mode,
    [`${prefix}.pace_last`]: p.last,
    [`${prefix}.pace_slowdowns`]: p.slowdowns,
    [`${prefix}.pace_speedups`]: p.speedups,
    [`${prefix}.pace_full_ms`]: p.msAt.full,
    [`${prefix}.pace_busy_ms`]: p.msAt.moderate + p.msAt.gentle + p.msAt.backoff,
    [`${prefix}.pace_paused_ms`]: p.msAt.paused,
    [`${prefix}.pace_largest_busy_write`]: p.largestBusyWrite,
    [`${prefix}.peak_foreign_ops_per_sec`]: p.peakForeignOpsPerSec,
  };
}

/** One line for people: `adaptive, 41k keys/s; full 1.2 s, gentle 0.3 s (4 keys a write), paused 0 s`. */
export function paceSummary(r: PacedScanResult): string {
  const p = r.pace;
  const rate = r.durationMs > 0 ? Math.round(r.keysScanned / (r.durationMs / 1000)) : 0;
  if (p.mode === 'fixed') return `fixed, ${rate} keys/s, up to ${r.largestWrite} keys a write`;
  const spent = Object.entries(p.msAt)
    .filter(([, ms]) => ms > 0)
    .map(([level, ms]) => `${level} ${(ms / 1000).toFixed(1)} s`)
    .join(', ');
  const busy = p.largestBusyWrite > 0 ? `; at most ${p.largestBusyWrite} keys a write while others were active` : '';
  return `adaptive, ${rate} keys/s; ${spent || 'no reading yet'}${busy}; last: ${p.last} (${p.lastReason})`;
}

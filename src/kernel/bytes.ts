const UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'] as const;

/**
 * Human-readable byte size with binary (1024) steps, as Redis's own `*_human` INFO fields use:
 * `512 B`, `1.5 KB`, `12.3 MB`. One decimal above bytes so figures in a table line up; negative
 * values keep their sign (a delta such as "RSS grew by -3.0 MB" stays readable); non-finite
 * input yields `n/a` rather than `NaN undefined`.
 */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  const sign = n < 0 ? '-' : '';
  let value = Math.abs(n);
  if (Math.round(value) < 1024) return `${sign}${Math.round(value)} B`;
  value /= 1024;
  let unit = 1;
  // Compare the rounded figure so 1048575 prints "1.0 MB", not "1024.0 KB".
  while (unit < UNITS.length - 1 && Number(value.toFixed(1)) >= 1024) {
    value /= 1024;
    unit++;
  }
  return `${sign}${value.toFixed(1)} ${UNITS[unit]}`;
}

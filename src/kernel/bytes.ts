/** IEC binary units: the steps are 1024, so the labels say KiB/MiB/GiB (a "MB" would be 10^6 bytes). */
const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/**
 * Human-readable byte size with binary (1024) steps, as Redis's own `*_human` INFO fields use (Redis writes `1.50M`;
 * the label here is the IEC one): `512 B`, `1.5 KiB`, `12.3 MiB`. One decimal above bytes so figures in a table line
 * up; negative values keep their sign (a delta such as "RSS grew by -3.0 MiB" stays readable); non-finite input
 * yields `n/a` rather than `NaN undefined`.
 */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  const sign = n < 0 ? '-' : '';
  let value = Math.abs(n);
  if (Math.round(value) < 1024) return `${sign}${Math.round(value)} B`;
  value /= 1024;
  let unit = 1;
  // Compare the rounded figure so 1048575 prints "1.0 MiB", not "1024.0 KiB".
  while (unit < UNITS.length - 1 && Number(value.toFixed(1)) >= 1024) {
    value /= 1024;
    unit++;
  }
  return `${sign}${value.toFixed(1)} ${UNITS[unit]}`;
}

/**
 * INFO sections the bot reads on request (`/redis info` and its job data); `all`/`everything` are left out on purpose
 * (size, and CONFIG-like detail).
 */
export const INFO_SECTIONS = [
  'server',
  'clients',
  'memory',
  'persistence',
  'stats',
  'replication',
  'cpu',
  'commandstats',
  'errorstats',
  'latencystats',
  'cluster',
  'keyspace',
] as const;
export type InfoSection = (typeof INFO_SECTIONS)[number];

/** Parses `INFO` output into `field → value`; section headers and blank lines are skipped. */
export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (!line || line.startsWith('#')) continue;
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** A numeric INFO field, or undefined when absent or not a number. */
export function num(info: Record<string, string>, field: string): number | undefined {
  const v = info[field];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/** Parses `db0:keys=10,expires=2,avg_ttl=0` style values. */
export function parseKeyspaceValue(value: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of value.split(',')) {
    const [k, v] = part.split('=');
    if (k && v !== undefined) out[k] = Number(v);
  }
  return out;
}

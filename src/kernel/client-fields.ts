/** `CLIENT LIST` field parsing shared by the client-list probe and the kill-idle-clients action. */

/** `1.2.3.4:5678` → `1.2.3.4`; `[::1]:6379` → `::1`; `/tmp/redis.sock:0` → `/tmp/redis.sock`. */
export function hostOf(addr: string): string {
  const at = addr.lastIndexOf(':');
  const host = at > 0 ? addr.slice(0, at) : addr;
  return host.replace(/^\[(.*)\]$/, '$1');
}

/** Splits one `CLIENT LIST` line into its `key=value` fields (values never contain spaces). */
export function parseClientFields(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of line.trim().split(' ')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

/**
 * Flags of clients that wait by design, however idle they look: S replica, M master link, P pub/sub, O MONITOR,
 * b blocked (BLPOP, XREAD BLOCK), x inside MULTI, t client-side caching. The probe does not count them as idle and
 * the kill-idle-clients action never closes them: one rule, so the probe's count is what the action would close.
 */
export const WAITS_BY_DESIGN_FLAGS = /[SMPObxt]/;

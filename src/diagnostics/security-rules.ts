/**
 * Pure rules behind the security audit (config-audit probe): ACL LIST lines, ACL command rules, bind and client
 * address classes. No Redis calls here, so each rule is unit-tested on its own.
 */

/** One `ACL LIST` user without its password hashes: name, whether it is on, nopass, and its command rules. */
export interface AclUser {
  name: string;
  enabled: boolean;
  nopass: boolean;
  /** `+@all`, `-flushall`, `allcommands`, … in order; rules inside selectors `( … )` are not included. */
  commandRules: string[];
}

/** Parses an `ACL LIST` line (`user default on nopass ~* &* +@all`); password hashes are dropped, never kept. */
export function parseAclUser(line: string): AclUser | undefined {
  const tokens = line.trim().split(/\s+/);
  if (tokens[0] !== 'user' || !tokens[1]) return undefined;
  const user: AclUser = { name: tokens[1], enabled: false, nopass: false, commandRules: [] };
  let depth = 0;
  for (const t of tokens.slice(2)) {
    if (t.startsWith('(')) depth++;
    if (depth === 0) {
      if (t === 'on') user.enabled = true;
      else if (t === 'off') user.enabled = false;
      else if (t === 'nopass') user.nopass = true;
      else if (/^[+-]/.test(t) || t === 'allcommands' || t === 'nocommands') user.commandRules.push(t.toLowerCase());
    }
    if (t.endsWith(')')) depth = Math.max(0, depth - 1);
  }
  return user;
}

/**
 * Whether ACL command rules allow `command` (`config|set` for a subcommand) given its ACL categories; rules apply
 * left to right as Redis applies them. The fallback when `ACL DRYRUN` is unavailable (Redis 6, or denied to the
 * bot); selectors are ignored, so it can only under-report.
 */
export function aclAllows(rules: string[], command: string, categories: string[]): boolean {
  const cmd = command.toLowerCase();
  const parent = cmd.split('|')[0] ?? cmd;
  const cats = new Set(categories.map((c) => c.replace(/^@/, '').toLowerCase()));
  let allowed = false;
  for (const r of rules) {
    if (r === 'allcommands' || r === '+@all') allowed = true;
    else if (r === 'nocommands' || r === '-@all') allowed = false;
    else if (r.startsWith('+@') || r.startsWith('-@')) {
      if (cats.has(r.slice(2))) allowed = r[0] === '+';
    } else {
      const name = r.slice(1);
      if (name === cmd || name === parent) allowed = r[0] === '+';
    }
  }
  return allowed;
}

export type BindScope = 'loopback' | 'private' | 'all' | 'public';

function isLoopback(host: string): boolean {
  const h = host.replace(/^::ffff:/i, '');
  return h.startsWith('127.') || h === '::1' || h === 'localhost' || h.startsWith('/');
}

/** Loopback, RFC 1918, link-local, IPv6 unique-local, or a unix socket. */
export function isPrivateHost(host: string): boolean {
  const h = host.replace(/^::ffff:/i, '').toLowerCase();
  if (isLoopback(h) || h.startsWith('10.') || h.startsWith('192.168.') || h.startsWith('169.254.')) return true;
  const m = /^172\.(\d+)\./.exec(h);
  if (m && Number(m[1]) >= 16 && Number(m[1]) <= 31) return true;
  return /^f[cd][0-9a-f]{2}:/.test(h) || h.startsWith('fe80:');
}

/** What a `bind` setting exposes: every interface (`*`, `0.0.0.0`, `::`), a public address, private ones, loopback. */
export function bindScope(bind: string): BindScope {
  const addrs = bind
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((a) => a.replace(/^-/, ''));
  if (addrs.length === 0 || addrs.some((a) => a === '*' || a === '0.0.0.0' || a === '::' || a === '::*')) return 'all';
  if (addrs.some((a) => !isPrivateHost(a))) return 'public';
  if (addrs.some((a) => !isLoopback(a))) return 'private';
  return 'loopback';
}

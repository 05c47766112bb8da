import type { Redis } from 'ioredis';
import { z } from 'zod';
import { configGet, isReplyError } from '../config-get.js';
import type { Probe, ProbeResult } from '../probe.js';
import { type AclUser, aclAllows, bindScope, isPrivateHost, parseAclUser } from '../security-rules.js';
import { type ClientEntry, parseClientLine } from './client-list.js';

/** Commands that should be renamed away or ACL-denied for the default user (DOMAIN.md security checklist). */
export const DANGEROUS_COMMANDS = ['FLUSHALL', 'FLUSHDB', 'CONFIG', 'DEBUG', 'KEYS', 'SHUTDOWN', 'MONITOR'] as const;
type Dangerous = (typeof DANGEROUS_COMMANDS)[number];

/**
 * The call `ACL DRYRUN default …` tests for each command: a harmful form with valid arity (DRYRUN only checks
 * permissions; nothing runs). CONFIG is judged by CONFIG SET: a user allowed only CONFIG GET cannot change anything.
 */
const DRYRUN_ARGS: Record<Dangerous, string[]> = {
  FLUSHALL: ['flushall'],
  FLUSHDB: ['flushdb'],
  CONFIG: ['config', 'set', 'maxmemory', '0'],
  DEBUG: ['debug', 'help'],
  KEYS: ['keys', '*'],
  SHUTDOWN: ['shutdown'],
  MONITOR: ['monitor'],
};

const ParamsSchema = z
  .object({
    /** Commands checked; defaults to FLUSHALL, FLUSHDB, CONFIG, DEBUG, KEYS. */
    commands: z.array(z.enum(DANGEROUS_COMMANDS)).min(1).default(['FLUSHALL', 'FLUSHDB', 'CONFIG', 'DEBUG', 'KEYS']),
    /**
     * Address prefixes clients are expected to come from (`10.0.1.`, `127.0.0.1`). Without it, only clients from
     * public (non-private, non-loopback) addresses count as unexpected.
     */
    expectedClientPrefixes: z.array(z.string().min(1)).optional(),
    /** CLIENT LIST lines parsed at most. */
    maxClientLines: z.number().int().min(1).max(1_000_000).default(50_000),
  })
  .strict();

interface Issue {
  id: string;
  severity: 'critical' | 'warning';
  text: string;
  fix: string;
}

type Availability = 'available' | 'denied' | 'missing';

async function reply<T>(work: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
  try {
    return { ok: true, value: await work() };
  } catch (err) {
    if (isReplyError(err)) return { ok: false, error: err.message };
    throw err;
  }
}

/**
 * Only whether `requirepass` is set: the value is compared with '' here and never returned, stored or logged.
 * Undefined when CONFIG GET is refused.
 */
async function requirepassIsSet(client: Redis): Promise<boolean | undefined> {
  const r = await reply(() => client.config('GET', 'requirepass') as Promise<unknown>);
  if (!r.ok || !Array.isArray(r.value)) return undefined;
  return r.value.length >= 2 && String(r.value[1]) !== '';
}

/**
 * Per command: ACL DRYRUN for the default user, or the fallback (COMMAND INFO + the default user's ACL rules).
 * `acl` says what ACL LIST gave: the default user, `denied` (ACL exists but the bot may not read it: no verdict
 * possible without DRYRUN) or `absent` (no ACL at all, Redis < 6: every existing command is open).
 */
async function dangerousCommands(
  client: Redis,
  commands: Dangerous[],
  acl: AclUser | 'denied' | 'absent',
): Promise<{ method: string; result: Map<Dangerous, Availability>; notes: string[] }> {
  const result = new Map<Dangerous, Availability>();
  const notes: string[] = [];
  let dryrunWorks = true;
  for (const c of commands) {
    const r = await reply(() => client.call('ACL', 'DRYRUN', 'default', ...DRYRUN_ARGS[c]));
    if (r.ok) {
      result.set(c, String(r.value) === 'OK' ? 'available' : 'denied');
    } else if (/Command '.*' not found/i.test(r.error)) {
      result.set(c, 'missing'); // renamed away (rename-command) or never there
    } else {
      dryrunWorks = false; // DRYRUN itself unknown (Redis < 7), ACL renamed, or NOPERM for the bot's user
      notes.push(`ACL DRYRUN unavailable (${r.error.slice(0, 80)}); fell back to COMMAND INFO and ACL rules.`);
      break;
    }
  }
  if (dryrunWorks) return { method: 'acl-dryrun', result, notes };
  result.clear();
  if (acl === 'denied') {
    notes.push('ACL LIST refused too: which commands the default user may run is unknown.');
    return { method: 'unknown', result, notes };
  }
  for (const c of commands) {
    const r = await reply(() => client.command('INFO', c.toLowerCase()) as Promise<unknown>);
    if (!r.ok) {
      notes.push(`COMMAND INFO refused (${r.error.slice(0, 80)}); dangerous commands not checked.`);
      return { method: 'unknown', result: new Map(), notes };
    }
    const info = Array.isArray(r.value) ? r.value[0] : undefined;
    if (!Array.isArray(info)) {
      result.set(c, 'missing');
      continue;
    }
    const categories = Array.isArray(info[6]) ? (info[6] as unknown[]).map(String) : [];
    if (acl === 'absent') {
      result.set(c, 'available'); // no ACL (Redis < 6): every existing command is open to whoever authenticates
      continue;
    }
    const full = c === 'CONFIG' ? 'config|set' : c.toLowerCase();
    result.set(c, aclAllows(acl.commandRules, full, categories) ? 'available' : 'denied');
  }
  if (acl === 'absent') return { method: 'command-info', result, notes };
  notes.push('Judged from the default user’s ACL rules; selectors were not evaluated.');
  return { method: 'acl-rules', result, notes };
}

/**
 * The security checklist of DOMAIN.md, read-only: does the default user need a password (ACL LIST, or only whether
 * requirepass is empty — its value is never read into a result), protected-mode, bind, dangerous commands the
 * default user can run (ACL DRYRUN default <cmd> on Redis ≥ 7 — the server's own verdict, renamed commands answer
 * "not found"; else COMMAND INFO + the default user's ACL rules), TLS, enable-debug-command, and clients from
 * unexpected addresses.
 * Commands: `ACL LIST` (O(users); password hashes are dropped while parsing), `CONFIG GET requirepass` (only when
 * ACL is unavailable), `CONFIG GET protected-mode|bind|tls-port|enable-debug-command`, `ACL DRYRUN` per command
 * (or `COMMAND INFO`), `CLIENT LIST` (O(clients)) — all read-only.
 */
export const configAuditProbe: Probe<typeof ParamsSchema> = {
  name: 'config-audit',
  title: 'Security audit',
  commands:
    'ACL LIST, CONFIG GET protected-mode|bind|tls-port|enable-debug-command (requirepass only tested for emptiness), ACL DRYRUN default <cmd> or COMMAND INFO, CLIENT LIST (O(clients))',
  paramsSchema: ParamsSchema,
  async run(ctx, p): Promise<ProbeResult> {
    const notes: string[] = [];
    const issues: Issue[] = [];

    // Users: ACL LIST on Redis ≥ 6; else only whether requirepass is set.
    const acl = await reply(() => ctx.client.call('ACL', 'LIST') as Promise<unknown>);
    const users = acl.ok && Array.isArray(acl.value) ? acl.value.map(String).map(parseAclUser) : [];
    const aclUsers = users.filter((u): u is AclUser => u !== undefined);
    const defaultUser = aclUsers.find((u) => u.name === 'default');
    let nopass: boolean | undefined;
    let defaultOn = true;
    if (defaultUser) {
      defaultOn = defaultUser.enabled;
      nopass = defaultUser.enabled && defaultUser.nopass;
    } else {
      const set = await requirepassIsSet(ctx.client);
      nopass = set === undefined ? undefined : !set;
      notes.push(
        acl.ok ? 'ACL LIST has no default user.' : 'ACL LIST refused; the password check used CONFIG GET requirepass.',
      );
    }
    if (nopass === undefined) notes.push('Could not tell whether the default user needs a password.');
    if (nopass) {
      issues.push({
        id: 'default-nopass',
        severity: 'critical',
        text: 'The default user has no password (nopass): anyone who reaches the port can run any command it allows.',
        fix: 'Set requirepass or `ACL SETUSER default on >…`, or turn the default user off and give each app its own user.',
      });
    }

    const protectedMode = await configGet(ctx.client, 'protected-mode');
    const bind = await configGet(ctx.client, 'bind');
    const tlsPort = await configGet(ctx.client, 'tls-port');
    const debugCommand = await configGet(ctx.client, 'enable-debug-command');
    if (protectedMode === undefined && bind === undefined) {
      notes.push('CONFIG GET refused (renamed or denied): protected-mode, bind, TLS and DEBUG settings not checked.');
    }
    if (protectedMode === 'no' && nopass) {
      issues.push({
        id: 'protected-mode-off',
        severity: 'critical',
        text: 'protected-mode is off while the default user has no password: non-loopback clients are served.',
        fix: 'Turn protected-mode back on, or better, require a password.',
      });
    }
    const scope = bind !== undefined ? bindScope(bind) : undefined;
    if (scope === 'all' || scope === 'public') {
      issues.push({
        id: 'bind-exposed',
        severity: 'warning',
        text: `bind "${bind}" listens on ${scope === 'all' ? 'every interface' : 'a public address'}.`,
        fix: 'Bind to loopback and private addresses only; firewall the port.',
      });
    }
    const tlsOn = tlsPort !== undefined && Number(tlsPort) > 0;
    if (!tlsOn && scope !== undefined && scope !== 'loopback') {
      issues.push({
        id: 'no-tls',
        severity: 'warning',
        text: 'No TLS port while listening beyond loopback: traffic and passwords cross the network in clear text.',
        fix: 'Configure tls-port with certificates (or keep Redis on loopback / a private link).',
      });
    }
    if (debugCommand === 'yes') {
      issues.push({
        id: 'debug-enabled',
        severity: 'warning',
        text: 'enable-debug-command is yes: any client allowed DEBUG can crash or stall the server.',
        fix: 'Set enable-debug-command no (or local) in redis.conf.',
      });
    }

    // Dangerous commands open to the default user. Irrelevant when the default user is off.
    let method = 'default-user-off';
    const available: string[] = [];
    const verdicts: Array<[string, string]> = [];
    if (defaultOn) {
      // ACL LIST answered without a default user, or was refused (NOPERM), or does not exist (Redis < 6).
      const aclState = defaultUser ?? (acl.ok || /NOPERM|permission/i.test(acl.error) ? 'denied' : 'absent');
      const d = await dangerousCommands(ctx.client, p.commands, aclState);
      method = d.method;
      notes.push(...d.notes);
      for (const c of p.commands) {
        let v = d.result.get(c);
        // DEBUG is refused to every user while enable-debug-command is no, whatever the ACL says.
        if (c === 'DEBUG' && v === 'available' && debugCommand === 'no') v = 'denied';
        verdicts.push([c, v ?? 'unknown']);
        if (v === 'available') available.push(c === 'DEBUG' && debugCommand === 'local' ? 'DEBUG(local)' : c);
      }
      if (available.length) {
        issues.push({
          id: 'dangerous-commands',
          severity: 'warning',
          text: `The default user can run ${available.join(', ')}.`,
          fix: 'Deny them with `ACL SETUSER default -flushall -flushdb -config -debug -keys` (or rename-command them away).',
        });
      }
    } else {
      notes.push('The default user is off: unauthenticated clients can run nothing.');
    }

    // Clients from addresses nobody expects.
    const text = String(await ctx.client.client('LIST'));
    const clients = text
      .split('\n')
      .slice(0, p.maxClientLines)
      .map(parseClientLine)
      .filter((c): c is ClientEntry => c !== undefined);
    const expected = (c: ClientEntry) =>
      p.expectedClientPrefixes ? p.expectedClientPrefixes.some((pre) => c.host.startsWith(pre)) : isPrivateHost(c.host);
    const byAddr = new Map<string, ClientEntry[]>();
    for (const c of clients) {
      const list = byAddr.get(c.host);
      if (list) list.push(c);
      else byAddr.set(c.host, [c]);
    }
    const unexpected = clients.filter((c) => !expected(c));
    const unexpectedAddrs = [...new Set(unexpected.map((c) => c.host))];
    if (unexpected.length) {
      issues.push({
        id: 'unexpected-clients',
        severity: 'warning',
        text: `${unexpected.length} clients from unexpected addresses: ${unexpectedAddrs.slice(0, 5).join(', ')}.`,
        fix: 'Find who they are (CLIENT LIST name/user); close the path they come in by, rotate credentials.',
      });
    }

    // Checks the bot's permissions did not allow: reported instead of passing silently.
    const skipped = [
      ...(nopass === undefined ? ['password'] : []),
      ...(protectedMode === undefined && bind === undefined ? ['config'] : []),
      ...(method === 'unknown' ? ['dangerous-commands'] : []),
    ];
    // Least privilege: users granted every command with no exception.
    const allCommandUsers = aclUsers.filter(
      (u) =>
        u.enabled &&
        u.commandRules.some((r) => r === '+@all' || r === 'allcommands') &&
        !u.commandRules.some((r) => r.startsWith('-')),
    );
    const metrics: ProbeResult['metrics'] = {
      'config_audit.issues': issues.length,
      'config_audit.issue_list': issues.map((i) => i.id).join(',') || 'none',
      'config_audit.default_user_on': defaultOn ? 1 : 0,
      'config_audit.protected_mode': protectedMode ?? 'unknown',
      'config_audit.bind': bind ?? 'unknown',
      'config_audit.bind_scope': scope ?? 'unknown',
      'config_audit.bind_exposed': scope === 'all' || scope === 'public' ? 1 : 0,
      'config_audit.dangerous_commands': available.join(',') || 'none',
      'config_audit.dangerous_count': available.length,
      'config_audit.dangerous_method': method,
      'config_audit.tls': tlsOn ? 1 : 0,
      'config_audit.tls_port': tlsPort !== undefined ? Number(tlsPort) : 0,
      'config_audit.debug_command': debugCommand ?? 'unknown',
      'config_audit.unexpected_clients': unexpected.length,
      'config_audit.unexpected_addrs': unexpectedAddrs.slice(0, 5).join(',') || 'none',
      'config_audit.acl_users': aclUsers.length,
      'config_audit.all_commands_users': allCommandUsers.map((u) => u.name).join(',') || 'none',
      'config_audit.all_commands_users_count': allCommandUsers.length,
      'config_audit.skipped': skipped.join(',') || 'none',
      'config_audit.skipped_count': skipped.length,
    };
    // Left out when unknown, so no threshold fires on a check that could not run (see `skipped`).
    if (nopass !== undefined) metrics['config_audit.default_user_nopass'] = nopass ? 1 : 0;
    const severe = issues.filter((i) => i.severity === 'critical').length;
    return {
      metrics,
      figures: [
        { label: 'issues', value: issues.length ? `${issues.length} (${severe} critical)` : 'none found' },
        {
          label: 'default user',
          value: !defaultOn ? 'off' : nopass === undefined ? 'unknown' : nopass ? 'NO PASSWORD' : 'password required',
        },
        { label: 'protected-mode', value: protectedMode ?? 'unknown' },
        { label: 'bind', value: bind !== undefined ? `${bind} (${scope})` : 'unknown' },
        { label: 'TLS', value: tlsOn ? `tls-port ${tlsPort}` : 'off' },
        { label: 'enable-debug-command', value: debugCommand ?? 'unknown (Redis < 7: DEBUG always on)' },
        {
          label: 'dangerous commands for default',
          value: `${available.join(', ') || 'none'} (checked with ${method})`,
        },
        { label: 'ACL users with all commands', value: String(metrics['config_audit.all_commands_users']) },
        {
          label: 'clients',
          value: `${clients.length} from ${byAddr.size} addresses, ${unexpected.length} unexpected`,
        },
      ],
      tables: [
        {
          title: 'Security issues',
          columns: ['severity', 'issue', 'fix'],
          rows: issues.map((i) => [i.severity, i.text, i.fix]),
        },
        {
          title: 'Dangerous commands for the default user',
          columns: ['command', 'verdict'],
          rows: verdicts.map(([c, v]) => [c, v === 'missing' ? 'renamed / not present' : v]),
        },
        {
          title: 'Clients by address',
          columns: ['address', 'clients', 'users', 'expected'],
          rows: [...byAddr]
            .sort((a, b) => b[1].length - a[1].length)
            .slice(0, 10)
            .map(([addr, list]) => [
              addr,
              String(list.length),
              [...new Set(list.map((c) => c.user || '?'))].slice(0, 3).join(', '),
              list.some((c) => !expected(c)) ? 'NO' : 'yes',
            ]),
        },
      ],
      notes,
    };
  },
};

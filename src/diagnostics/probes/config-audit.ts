import { z } from 'zod';
import {
  type CheckOutcome,
  type ClientsCheck,
  checkClients,
  checkDangerousCommands,
  checkSettings,
  checkUsers,
  type DangerousCheck,
  type SettingsCheck,
  type UsersCheck,
} from '../config-audit-checks.js';
import { DANGEROUS_COMMANDS } from '../config-audit-commands.js';
import type { Probe, ProbeResult } from '../probe.js';

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

/** The four checks' facts, their issues and notes in check order. */
interface Audit extends CheckOutcome {
  users: UsersCheck;
  settings: SettingsCheck;
  dangerous: DangerousCheck;
  clients: ClientsCheck;
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
    // One after the other, in this order: each later check depends on what the earlier ones found.
    const users = await checkUsers(ctx.client);
    const settings = await checkSettings(ctx.client, users.nopass);
    const dangerous = await checkDangerousCommands(ctx.client, p.commands, users, settings.debugCommand);
    const clients = await checkClients(ctx.client, {
      expectedPrefixes: p.expectedClientPrefixes,
      maxLines: p.maxClientLines,
    });
    const checks = [users, settings, dangerous, clients];
    const audit: Audit = {
      users,
      settings,
      dangerous,
      clients,
      issues: checks.flatMap((c) => c.issues),
      notes: checks.flatMap((c) => c.notes),
    };
    const metrics = auditMetrics(audit);
    return { metrics, figures: auditFigures(audit, metrics), tables: auditTables(audit), notes: audit.notes };
  },
};

/** Flat figures for runbook thresholds; a check that could not run is named in `skipped`, never passed silently. */
function auditMetrics({ users, settings, dangerous, clients, issues }: Audit): ProbeResult['metrics'] {
  const { nopass, aclUsers } = users;
  const { protectedMode, bind, scope } = settings;
  // Checks the bot's permissions did not allow: reported instead of passing silently.
  const skipped = [
    ...(nopass === undefined ? ['password'] : []),
    ...(protectedMode === undefined && bind === undefined ? ['config'] : []),
    ...(dangerous.method === 'unknown' ? ['dangerous-commands'] : []),
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
    'config_audit.default_user_on': users.defaultOn ? 1 : 0,
    'config_audit.protected_mode': protectedMode ?? 'unknown',
    'config_audit.bind': bind ?? 'unknown',
    'config_audit.bind_scope': scope ?? 'unknown',
    'config_audit.bind_exposed': scope === 'all' || scope === 'public' ? 1 : 0,
    'config_audit.dangerous_commands': dangerous.available.join(',') || 'none',
    'config_audit.dangerous_count': dangerous.available.length,
    'config_audit.dangerous_method': dangerous.method,
    'config_audit.tls': settings.tlsOn ? 1 : 0,
    'config_audit.tls_port': settings.tlsPort !== undefined ? Number(settings.tlsPort) : 0,
    'config_audit.debug_command': settings.debugCommand ?? 'unknown',
    'config_audit.unexpected_clients': clients.unexpected.length,
    'config_audit.unexpected_addrs': clients.unexpectedAddrs.slice(0, 5).join(',') || 'none',
    'config_audit.acl_users': aclUsers.length,
    'config_audit.all_commands_users': allCommandUsers.map((u) => u.name).join(',') || 'none',
    'config_audit.all_commands_users_count': allCommandUsers.length,
    'config_audit.skipped': skipped.join(',') || 'none',
    'config_audit.skipped_count': skipped.length,
  };
  // Left out when unknown, so no threshold fires on a check that could not run (see `skipped`).
  if (nopass !== undefined) metrics['config_audit.default_user_nopass'] = nopass ? 1 : 0;
  return metrics;
}

function auditFigures(a: Audit, metrics: ProbeResult['metrics']): ProbeResult['figures'] {
  const { defaultOn, nopass } = a.users;
  const { protectedMode, bind, scope, tlsOn, tlsPort, debugCommand } = a.settings;
  const severe = a.issues.filter((i) => i.severity === 'critical').length;
  return [
    { label: 'issues', value: a.issues.length ? `${a.issues.length} (${severe} critical)` : 'none found' },
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
      value: `${a.dangerous.available.join(', ') || 'none'} (checked with ${a.dangerous.method})`,
    },
    { label: 'ACL users with all commands', value: String(metrics['config_audit.all_commands_users']) },
    {
      label: 'clients',
      value: `${a.clients.clients.length} from ${a.clients.byAddr.size} addresses, ${a.clients.unexpected.length} unexpected`,
    },
  ];
}

function auditTables({ issues, dangerous, clients }: Audit): ProbeResult['tables'] {
  return [
    {
      title: 'Security issues',
      columns: ['severity', 'issue', 'fix'],
      rows: issues.map((i) => [i.severity, i.text, i.fix]),
    },
    {
      title: 'Dangerous commands for the default user',
      columns: ['command', 'verdict'],
      rows: dangerous.verdicts.map(([c, v]) => [c, v === 'missing' ? 'renamed / not present' : v]),
    },
    {
      title: 'Clients by address',
      columns: ['address', 'clients', 'users', 'expected'],
      rows: [...clients.byAddr]
        .sort((a, b) => b[1].length - a[1].length)
        .slice(0, 10)
        .map(([addr, list]) => [
          addr,
          String(list.length),
          [...new Set(list.map((c) => c.user || '?'))].slice(0, 3).join(', '),
          list.some((c) => !clients.expected(c)) ? 'NO' : 'yes',
        ]),
    },
  ];
}

import type { Redis } from 'ioredis';
import { type AclState, type Dangerous, dangerousCommands, reply } from './config-audit-commands.js';
import { configGet } from './config-get.js';
import { type ClientEntry, parseClientLine } from './probes/client-list.js';
import { type AclUser, type BindScope, bindScope, isPrivateHost, parseAclUser } from './security-rules.js';

/** One finding of the security audit, with the fix shown beside it. */
export interface Issue {
  id: string;
  severity: 'critical' | 'warning';
  text: string;
  fix: string;
}

/** What every check returns besides its facts: the issues it raised and the notes that qualify it, in order. */
export interface CheckOutcome {
  issues: Issue[];
  notes: string[];
}

export interface UsersCheck extends CheckOutcome {
  aclUsers: AclUser[];
  defaultOn: boolean;
  /** Undefined when the bot could not tell (ACL LIST and CONFIG GET both refused). */
  nopass: boolean | undefined;
  acl: AclState;
}

export interface SettingsCheck extends CheckOutcome {
  protectedMode: string | undefined;
  bind: string | undefined;
  scope: BindScope | undefined;
  tlsPort: string | undefined;
  tlsOn: boolean;
  debugCommand: string | undefined;
}

export interface DangerousCheck extends CheckOutcome {
  method: string;
  /** Commands the default user can run, as shown (`DEBUG(local)` when DEBUG is limited to local clients). */
  available: string[];
  verdicts: Array<[string, string]>;
}

export interface ClientsCheck extends CheckOutcome {
  clients: ClientEntry[];
  byAddr: Map<string, ClientEntry[]>;
  unexpected: ClientEntry[];
  unexpectedAddrs: string[];
  expected: (c: ClientEntry) => boolean;
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

/** Users: ACL LIST on Redis ≥ 6 (password hashes dropped while parsing); else only whether requirepass is set. */
export async function checkUsers(client: Redis): Promise<UsersCheck> {
  const notes: string[] = [];
  const issues: Issue[] = [];
  const list = await reply(() => client.call('ACL', 'LIST') as Promise<unknown>);
  const users = list.ok && Array.isArray(list.value) ? list.value.map(String).map(parseAclUser) : [];
  const aclUsers = users.filter((u): u is AclUser => u !== undefined);
  const defaultUser = aclUsers.find((u) => u.name === 'default');
  let nopass: boolean | undefined;
  let defaultOn = true;
  if (defaultUser) {
    defaultOn = defaultUser.enabled;
    nopass = defaultUser.enabled && defaultUser.nopass;
  } else {
    const set = await requirepassIsSet(client);
    nopass = set === undefined ? undefined : !set;
    notes.push(
      list.ok ? 'ACL LIST has no default user.' : 'ACL LIST refused; the password check used CONFIG GET requirepass.',
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
  // ACL LIST answered without a default user, or was refused (NOPERM), or does not exist (Redis < 6).
  const acl = defaultUser ?? (list.ok || /NOPERM|permission/i.test(list.error) ? 'denied' : 'absent');
  return { aclUsers, defaultOn, nopass, acl, issues, notes };
}

/** protected-mode, bind, TLS and enable-debug-command, from CONFIG GET (undefined each when refused). */
export async function checkSettings(client: Redis, nopass: boolean | undefined): Promise<SettingsCheck> {
  const notes: string[] = [];
  const issues: Issue[] = [];
  const protectedMode = await configGet(client, 'protected-mode');
  const bind = await configGet(client, 'bind');
  const tlsPort = await configGet(client, 'tls-port');
  const debugCommand = await configGet(client, 'enable-debug-command');
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
  return { protectedMode, bind, scope, tlsPort, tlsOn, debugCommand, issues, notes };
}

/** Dangerous commands open to the default user; irrelevant when the default user is off. */
export async function checkDangerousCommands(
  client: Redis,
  commands: Dangerous[],
  users: Pick<UsersCheck, 'defaultOn' | 'acl'>,
  debugCommand: string | undefined,
): Promise<DangerousCheck> {
  if (!users.defaultOn) {
    return {
      method: 'default-user-off',
      available: [],
      verdicts: [],
      issues: [],
      notes: ['The default user is off: unauthenticated clients can run nothing.'],
    };
  }
  const d = await dangerousCommands(client, commands, users.acl);
  const available: string[] = [];
  const verdicts: Array<[string, string]> = [];
  for (const c of commands) {
    let v = d.result.get(c);
    // DEBUG is refused to every user while enable-debug-command is no, whatever the ACL says.
    if (c === 'DEBUG' && v === 'available' && debugCommand === 'no') v = 'denied';
    verdicts.push([c, v ?? 'unknown']);
    if (v === 'available') available.push(c === 'DEBUG' && debugCommand === 'local' ? 'DEBUG(local)' : c);
  }
  const issues: Issue[] = available.length
    ? [
        {
          id: 'dangerous-commands',
          severity: 'warning',
          text: `The default user can run ${available.join(', ')}.`,
          fix: 'Deny them with `ACL SETUSER default -flushall -flushdb -config -debug -keys` (or rename-command them away).',
        },
      ]
    : [];
  return { method: d.method, available, verdicts, issues, notes: d.notes };
}

/**
 * Clients from addresses nobody expects: outside `expectedPrefixes` when given, else from public (non-private,
 * non-loopback) addresses. At most `maxLines` CLIENT LIST lines are parsed.
 */
export async function checkClients(
  client: Redis,
  opts: { expectedPrefixes: string[] | undefined; maxLines: number },
): Promise<ClientsCheck> {
  const text = String(await client.client('LIST'));
  const clients = text
    .split('\n')
    .slice(0, opts.maxLines)
    .map(parseClientLine)
    .filter((c): c is ClientEntry => c !== undefined);
  const prefixes = opts.expectedPrefixes;
  const expected = (c: ClientEntry) =>
    prefixes ? prefixes.some((pre) => c.host.startsWith(pre)) : isPrivateHost(c.host);
  const byAddr = new Map<string, ClientEntry[]>();
  for (const c of clients) {
    const list = byAddr.get(c.host);
    if (list) list.push(c);
    else byAddr.set(c.host, [c]);
  }
  const unexpected = clients.filter((c) => !expected(c));
  const unexpectedAddrs = [...new Set(unexpected.map((c) => c.host))];
  const issues: Issue[] = unexpected.length
    ? [
        {
          id: 'unexpected-clients',
          severity: 'warning',
          text: `${unexpected.length} clients from unexpected addresses: ${unexpectedAddrs.slice(0, 5).join(', ')}.`,
          fix: 'Find who they are (CLIENT LIST name/user); close the path they come in by, rotate credentials.',
        },
      ]
    : [];
  return { clients, byAddr, unexpected, unexpectedAddrs, expected, issues, notes: [] };
}

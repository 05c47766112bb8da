import type { Redis } from 'ioredis';
import { isReplyError } from './config-get.js';
import { type AclUser, aclAllows } from './security-rules.js';

/** Commands that should be renamed away or ACL-denied for the default user (DOMAIN.md security checklist). */
export const DANGEROUS_COMMANDS = ['FLUSHALL', 'FLUSHDB', 'CONFIG', 'DEBUG', 'KEYS', 'SHUTDOWN', 'MONITOR'] as const;
export type Dangerous = (typeof DANGEROUS_COMMANDS)[number];

/** Whether the default user may run a command, it is denied, or it is not there (renamed away). */
export type Availability = 'available' | 'denied' | 'missing';

/** What ACL LIST gave about the default user: its rules, `denied` (refused to the bot) or `absent` (Redis < 6). */
export type AclState = AclUser | 'denied' | 'absent';

/** How the verdicts were reached (`acl-dryrun`, `acl-rules`, `command-info`, `unknown`) and what qualifies them. */
export interface DangerousVerdicts {
  method: string;
  result: Map<Dangerous, Availability>;
  notes: string[];
}

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

/**
 * Runs one command; an error reply (unknown command, NOPERM) comes back as `ok: false` with its message, while
 * connection errors and timeouts still reject.
 */
export async function reply<T>(work: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
  try {
    return { ok: true, value: await work() };
  } catch (err) {
    if (isReplyError(err)) return { ok: false, error: err.message };
    throw err;
  }
}

/**
 * Per command: ACL DRYRUN for the default user, or the fallback (COMMAND INFO + the default user's ACL rules).
 * `acl` says what ACL LIST gave: the default user, `denied` (ACL exists but the bot may not read it: no verdict
 * possible without DRYRUN) or `absent` (no ACL at all, Redis < 6: every existing command is open).
 */
export async function dangerousCommands(
  client: Redis,
  commands: Dangerous[],
  acl: AclState,
): Promise<DangerousVerdicts> {
  const dryrun = await dryrunVerdicts(client, commands);
  if (dryrun.ok) return { method: 'acl-dryrun', result: dryrun.result, notes: [] };
  const notes = [`ACL DRYRUN unavailable (${dryrun.error.slice(0, 80)}); fell back to COMMAND INFO and ACL rules.`];
  if (acl === 'denied') {
    notes.push('ACL LIST refused too: which commands the default user may run is unknown.');
    return { method: 'unknown', result: new Map(), notes };
  }
  return commandInfoVerdicts(client, commands, acl, notes);
}

/**
 * The server's own verdict per command (Redis ≥ 7); renamed commands answer "not found". Stops at the first other
 * error: DRYRUN itself unknown (Redis < 7), ACL renamed, or NOPERM for the bot's user.
 */
async function dryrunVerdicts(
  client: Redis,
  commands: Dangerous[],
): Promise<{ ok: true; result: Map<Dangerous, Availability> } | { ok: false; error: string }> {
  const result = new Map<Dangerous, Availability>();
  for (const c of commands) {
    const r = await reply(() => client.call('ACL', 'DRYRUN', 'default', ...DRYRUN_ARGS[c]));
    if (r.ok) {
      result.set(c, String(r.value) === 'OK' ? 'available' : 'denied');
    } else if (/Command '.*' not found/i.test(r.error)) {
      result.set(c, 'missing'); // renamed away (rename-command) or never there
    } else {
      return { ok: false, error: r.error };
    }
  }
  return { ok: true, result };
}

/** The fallback: whether each command exists (COMMAND INFO), then the default user's ACL rules on it. */
async function commandInfoVerdicts(
  client: Redis,
  commands: Dangerous[],
  acl: AclUser | 'absent',
  notes: string[],
): Promise<DangerousVerdicts> {
  const result = new Map<Dangerous, Availability>();
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

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisProcess, startRedis } from '../../../src/devtools/redis-process.js';
import { configAuditProbe } from '../../../src/diagnostics/probes/config-audit.js';
import { diagnose, loadRunbook, proposalsFor, runProbe, target } from '../../support/probe-support.js';

const PASSWORD = 'pw-s3cret-must-not-leak';
const BOT_PASSWORD = 'bot-pw-must-not-leak';

describe('config-audit against a real redis-server', () => {
  let open: RedisProcess;
  let hardened: RedisProcess;

  beforeAll(async () => {
    [open, hardened] = await Promise.all([
      startRedis(),
      // Hardened: a password, FLUSHALL/FLUSHDB renamed away, CONFIG (SET) and KEYS denied to the default user by
      // ACL, DEBUG off (the 7.0 default). The bot audits through its own least-privilege user.
      startRedis(['--requirepass', PASSWORD, '--rename-command', 'FLUSHALL', '', '--rename-command', 'FLUSHDB', '']),
    ]);
    const admin = hardened.client();
    await admin.call(
      'ACL',
      'SETUSER',
      'bot',
      'on',
      `>${BOT_PASSWORD}`,
      '~*',
      '+@connection',
      '+info',
      '+time',
      '+config|get',
      '+acl|list',
      '+acl|dryrun',
      '+client|list',
      '+client|id',
      '+command|info',
    );
    // The same without ACL DRYRUN: the probe must fall back to COMMAND INFO + the default user's rules.
    await admin.call(
      'ACL',
      'SETUSER',
      'bot-nodryrun',
      'on',
      `>${BOT_PASSWORD}`,
      '~*',
      '+@connection',
      '+info',
      '+config|get',
      '+acl|list',
      '+client|list',
      '+client|id',
      '+command|info',
    );
    // A bot user that may read neither CONFIG nor ACL: the audit must say what it could not check.
    await admin.call(
      'ACL',
      'SETUSER',
      'bot-blind',
      'on',
      `>${BOT_PASSWORD}`,
      '+@connection',
      '+info',
      '+client|list',
      '+client|id',
      '+command|info',
    );
    await admin.call('ACL', 'SETUSER', 'default', '-config', '-keys', '-debug');
  });

  afterAll(async () => {
    await Promise.all([open?.stop(), hardened?.stop()]);
  });

  const botUrl = (user: string) => `redis://${user}:${BOT_PASSWORD}@127.0.0.1:${hardened.port}`;

  it('an open Redis: default user without password and the dangerous commands it can run', async () => {
    const r = await runProbe(configAuditProbe, target(open.url));
    expect(r.metrics['config_audit.default_user_nopass']).toBe(1);
    expect(r.metrics['config_audit.dangerous_method']).toBe('acl-dryrun');
    // DEBUG is refused to everyone while enable-debug-command is no (the default).
    expect(r.metrics['config_audit.dangerous_commands']).toBe('FLUSHALL,FLUSHDB,CONFIG,KEYS');
    expect(r.metrics['config_audit.protected_mode']).toBe('yes');
    expect(r.metrics['config_audit.bind']).toBe('127.0.0.1');
    expect(r.metrics['config_audit.bind_scope']).toBe('loopback');
    expect(r.metrics['config_audit.tls']).toBe(0);
    expect(r.metrics['config_audit.debug_command']).toBe('no');
    expect(r.metrics['config_audit.unexpected_clients']).toBe(0);
    expect(r.metrics['config_audit.issue_list']).toBe('default-nopass,dangerous-commands');
    expect(r.metrics['config_audit.issues']).toBe(2);
  });

  it('the security-audit runbook turns those into findings and proposes nothing', async () => {
    const runbook = loadRunbook('security-audit');
    const report = await diagnose(runbook, target(open.url));
    const byId = new Map(report.findings.map((f) => [f.id, f]));
    expect(byId.get('default-nopass')?.severity).toBe('critical');
    expect(byId.get('dangerous-commands')?.title).toContain('FLUSHALL,FLUSHDB,CONFIG,KEYS');
    expect(byId.has('no-issues')).toBe(false);
    expect(byId.has('no-tls')).toBe(false); // loopback only
    expect(proposalsFor(runbook, report, target(open.url))).toEqual([]);
  });

  it('a hardened Redis: no password issue, no dangerous command, and no secret in the result', async () => {
    const r = await runProbe(configAuditProbe, target(botUrl('bot')));
    expect(r.metrics['config_audit.default_user_nopass']).toBe(0);
    expect(r.metrics['config_audit.dangerous_method']).toBe('acl-dryrun');
    expect(r.metrics['config_audit.dangerous_commands']).toBe('none');
    expect(r.metrics['config_audit.issues']).toBe(0);
    const verdicts = Object.fromEntries(
      r.tables.find((t) => t.title.startsWith('Dangerous'))?.rows.map(([c, v]) => [c, v]) ?? [],
    );
    expect(verdicts).toEqual({
      FLUSHALL: 'renamed / not present',
      FLUSHDB: 'renamed / not present',
      CONFIG: 'denied',
      DEBUG: 'denied',
      KEYS: 'denied',
    });
    const shown = JSON.stringify(r);
    expect(shown).not.toContain(PASSWORD);
    expect(shown).not.toContain(BOT_PASSWORD);
    expect(shown).not.toMatch(/[0-9a-f]{64}/); // no ACL password hash either
  });

  it('without ACL DRYRUN rights it falls back to COMMAND INFO and the ACL rules, with the same verdict', async () => {
    const r = await runProbe(configAuditProbe, target(botUrl('bot-nodryrun')));
    expect(r.metrics['config_audit.dangerous_method']).toBe('acl-rules');
    expect(r.metrics['config_audit.dangerous_commands']).toBe('none');
    expect(r.metrics['config_audit.default_user_nopass']).toBe(0);
    expect(r.notes.join(' ')).toContain('ACL DRYRUN unavailable');
  });

  it('a bot that may read neither CONFIG nor ACL reports the skipped checks instead of a clean bill', async () => {
    const r = await runProbe(configAuditProbe, target(botUrl('bot-blind')));
    expect(r.metrics['config_audit.skipped']).toBe('password,config,dangerous-commands');
    expect(r.metrics['config_audit.default_user_nopass']).toBeUndefined();
    expect(r.metrics['config_audit.dangerous_method']).toBe('unknown');
    const report = await diagnose(loadRunbook('security-audit'), target(botUrl('bot-blind')));
    const ids = report.findings.map((f) => f.id);
    expect(ids).toContain('checks-skipped');
    expect(ids).not.toContain('no-issues');
    expect(ids).not.toContain('default-nopass');
  });

  it('the security-audit runbook reports no issue on the hardened Redis', async () => {
    const report = await diagnose(loadRunbook('security-audit'), target(botUrl('bot')));
    const ids = report.findings.map((f) => f.id);
    expect(ids).toContain('no-issues');
    expect(ids).not.toContain('default-nopass');
    expect(ids).not.toContain('dangerous-commands');
    expect(JSON.stringify(report)).not.toContain(PASSWORD);
  });
});

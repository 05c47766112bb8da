import { describe, expect, it } from 'vitest';
import { parseCommandStats, parseLatencyLatest } from '../../../src/diagnostics/probes/latency.js';
import { aclAllows, bindScope, isPrivateHost, parseAclUser } from '../../../src/diagnostics/security-rules.js';

describe('parseAclUser', () => {
  it('reads name, on/off, nopass and command rules', () => {
    expect(parseAclUser('user default on nopass sanitize-payload ~* &* +@all')).toEqual({
      name: 'default',
      enabled: true,
      nopass: true,
      commandRules: ['+@all'],
    });
  });

  it('drops password hashes and ignores rules inside selectors', () => {
    const hash = '1ec1c26b50d5d3c58d9583181af8076655fe00756bf7285940ba3670f99fcba0';
    const u = parseAclUser(`user app on #${hash} ~app:* resetchannels -@all +get +set (~other:* +del)`);
    expect(u).toEqual({ name: 'app', enabled: true, nopass: false, commandRules: ['-@all', '+get', '+set'] });
    expect(JSON.stringify(u)).not.toContain(hash);
  });

  it('refuses lines that are not users', () => {
    expect(parseAclUser('')).toBeUndefined();
    expect(parseAclUser('OK')).toBeUndefined();
  });
});

describe('aclAllows', () => {
  const dangerous = ['@admin', '@slow', '@dangerous'];
  it('applies rules left to right, by command, subcommand parent and category', () => {
    expect(aclAllows(['+@all'], 'flushall', ['@keyspace', '@write', '@slow', '@dangerous'])).toBe(true);
    expect(aclAllows(['+@all', '-flushall'], 'flushall', dangerous)).toBe(false);
    expect(aclAllows(['+@all', '-@dangerous'], 'flushall', dangerous)).toBe(false);
    expect(aclAllows(['+@all', '-@dangerous', '+flushall'], 'flushall', dangerous)).toBe(true);
    expect(aclAllows(['+@all', '-config'], 'config|set', dangerous)).toBe(false);
    expect(aclAllows(['+@all', '-config|set'], 'config|set', dangerous)).toBe(false);
    expect(aclAllows(['-@all', '+config|get'], 'config|set', dangerous)).toBe(false);
    expect(aclAllows(['allcommands', 'nocommands'], 'keys', ['@keyspace'])).toBe(false);
    expect(aclAllows([], 'keys', ['@keyspace'])).toBe(false);
  });
});

describe('bindScope / isPrivateHost', () => {
  it('classifies bind settings', () => {
    expect(bindScope('127.0.0.1 -::1')).toBe('loopback');
    expect(bindScope('127.0.0.1 10.0.1.10')).toBe('private');
    expect(bindScope('* -::*')).toBe('all');
    expect(bindScope('0.0.0.0')).toBe('all');
    expect(bindScope('')).toBe('all');
    expect(bindScope('127.0.0.1 203.0.113.7')).toBe('public');
  });

  it('knows private, loopback and socket addresses', () => {
    for (const h of ['10.1.2.3', '172.16.0.1', '172.31.255.1', '192.168.1.1', '::1', 'fd12:3456::1', '/tmp/r.sock']) {
      expect(isPrivateHost(h), h).toBe(true);
    }
    for (const h of ['172.32.0.1', '8.8.8.8', '203.0.113.7', '2001:db8::1']) expect(isPrivateHost(h), h).toBe(false);
    expect(isPrivateHost('::ffff:127.0.0.1')).toBe(true);
  });
});

describe('latency parsers', () => {
  it('reads INFO commandstats lines, subcommands included', () => {
    const text = [
      '# Commandstats',
      'cmdstat_debug:calls=2,usec=400214,usec_per_call=200107.00,rejected_calls=0,failed_calls=0',
      'cmdstat_client|list:calls=1,usec=11,usec_per_call=11.00,rejected_calls=0,failed_calls=0',
      '',
    ].join('\r\n');
    expect(parseCommandStats(text)).toEqual([
      { command: 'debug', calls: 2, usec: 400214, usecPerCall: 200107 },
      { command: 'client|list', calls: 1, usec: 11, usecPerCall: 11 },
    ]);
  });

  it('reads LATENCY LATEST rows and skips malformed ones', () => {
    expect(parseLatencyLatest([['command', 1795454664, 200, 250], ['bad']])).toEqual([
      { event: 'command', time: 1795454664, latestMs: 200, maxMs: 250 },
    ]);
    expect(parseLatencyLatest(null)).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import {
  formatArgs,
  formatCommand,
  groupSlowlog,
  MAX_ARG_CHARS,
  parseSlowlogEntry,
  redactArgs,
  type SlowlogEntry,
  shortArg,
} from '../../../src/diagnostics/probes/slowlog.js';

const entry = (args: string[], durationUs: number, over: Partial<SlowlogEntry> = {}): SlowlogEntry => ({
  id: 1,
  time: 1_700_000_000,
  durationUs,
  args,
  client: '127.0.0.1:5000',
  clientName: 'app',
  ...over,
});

describe('parseSlowlogEntry', () => {
  it('reads the reply shape of SLOWLOG GET (id, time, µs, args, addr, name)', () => {
    expect(parseSlowlogEntry([4, 1_795_454_664, 200_124, ['debug', 'sleep', '0.2'], '127.0.0.1:32934', 'app'])).toEqual(
      {
        id: 4,
        time: 1_795_454_664,
        durationUs: 200_124,
        args: ['debug', 'sleep', '0.2'],
        client: '127.0.0.1:32934',
        clientName: 'app',
      },
    );
  });

  it('accepts entries without client fields (Redis < 4) and refuses malformed ones', () => {
    expect(parseSlowlogEntry([1, 2, 3, ['get', 'k']])?.client).toBe('');
    expect(parseSlowlogEntry([1, 2, 3])).toBeUndefined();
    expect(parseSlowlogEntry([1, 2, 3, []])).toBeUndefined();
    expect(parseSlowlogEntry('x')).toBeUndefined();
  });
});

describe('redactArgs', () => {
  it('hides everything after AUTH', () => {
    expect(redactArgs(['AUTH', 'hunter2'])).toEqual(['AUTH', '(redacted)']);
    expect(redactArgs(['auth', 'user', 'hunter2'])).toEqual(['auth', '(redacted)', '(redacted)']);
    expect(redactArgs(['HELLO', '3', 'AUTH', 'user', 'hunter2'])).toEqual([
      'HELLO',
      '3',
      'AUTH',
      '(redacted)',
      '(redacted)',
    ]);
    expect(redactArgs(['MIGRATE', 'h', '1', '', '0', '5000', 'AUTH2', 'u', 'pw', 'KEYS', 'k'])).not.toContain('pw');
  });

  it('hides the value of CONFIG SET requirepass / masterauth and whatever follows', () => {
    expect(redactArgs(['CONFIG', 'SET', 'requirepass', 'hunter2'])).toEqual([
      'CONFIG',
      'SET',
      'requirepass',
      '(redacted)',
    ]);
    expect(redactArgs(['config', 'set', 'maxmemory', '1gb', 'masterauth', 'pw', 'x', 'y'])).toEqual([
      'config',
      'set',
      'maxmemory',
      '1gb',
      'masterauth',
      '(redacted)',
      '(redacted)',
      '(redacted)',
    ]);
    expect(redactArgs(['SENTINEL', 'SET', 'mymaster', 'auth-pass', 'pw'])).not.toContain('pw');
  });

  it('hides ACL SETUSER password rules but keeps the user name and permissions', () => {
    expect(redactArgs(['ACL', 'SETUSER', 'app', 'on', '>s3cret', '#abcdef', '~app:*', '+get'])).toEqual([
      'ACL',
      'SETUSER',
      'app',
      'on',
      '(redacted)',
      '(redacted)',
      '~app:*',
      '+get',
    ]);
  });

  it('leaves ordinary commands alone', () => {
    expect(redactArgs(['SET', 'user:1', 'v'])).toEqual(['SET', 'user:1', 'v']);
  });
});

describe('formatCommand', () => {
  it('upper-cases the name and cuts every argument to 40 characters', () => {
    const long = 'x'.repeat(500);
    const text = formatCommand(['set', 'k', long]);
    expect(text.startsWith('SET k ')).toBe(true);
    expect(text).not.toContain(long);
    expect(shortArg(long)).toHaveLength(MAX_ARG_CHARS);
    for (const part of text.split(' ')) expect(part.length).toBeLessThanOrEqual(MAX_ARG_CHARS);
  });

  it('shows at most 8 arguments and counts the rest', () => {
    const args = ['mset', ...Array.from({ length: 20 }, (_, i) => `a${i}`)];
    expect(formatCommand(args)).toBe('MSET a0 a1 a2 a3 a4 a5 a6 a7 … (+12 args)');
  });

  it('replaces control characters and never shows a password', () => {
    expect(formatCommand(['set', 'k', 'a\r\nb'])).toBe('SET k a··b');
    expect(formatCommand(['auth', 'hunter2'])).toBe('AUTH (redacted)');
    expect(formatArgs(['config', 'set', 'requirepass', 'hunter2'])).toBe('set requirepass (redacted)');
    expect(formatArgs(['ping'])).toBe('');
  });
});

describe('groupSlowlog', () => {
  it('groups by command name, biggest total first, keeping the worst call', () => {
    const groups = groupSlowlog([
      entry(['keys', '*'], 50_000),
      entry(['DEBUG', 'sleep', '0.2'], 200_000, { time: 1_700_000_010 }),
      entry(['debug', 'sleep', '0.3'], 300_000, { time: 1_700_000_005 }),
    ]);
    expect(groups.map((g) => g.command)).toEqual(['DEBUG', 'KEYS']);
    expect(groups[0]).toMatchObject({ count: 2, totalUs: 500_000, newest: 1_700_000_010 });
    expect(groups[0]?.slowest.args).toEqual(['debug', 'sleep', '0.3']);
  });
});

import { describe, expect, it } from 'vitest';
import { num, parseInfo, parseKeyspaceValue } from '../../../src/kernel/info.js';

// Shaped like real `INFO memory` + `INFO keyspace` output: CRLF line ends, section headers, blank lines.
const INFO = [
  '# Memory',
  'used_memory:1048576000',
  'used_memory_human:1000.00M',
  'maxmemory_policy:noeviction',
  'mem_fragmentation_ratio:1.52',
  'executable:/usr/local/bin/redis-server',
  'empty_field:',
  '',
  '# Keyspace',
  'db0:keys=1200,expires=300,avg_ttl=86400000,subexpiry=0',
  '',
].join('\r\n');

describe('parseInfo', () => {
  const info = parseInfo(INFO);

  it('maps each field to its value and skips headers and blank lines', () => {
    expect(info.used_memory).toBe('1048576000');
    expect(info.maxmemory_policy).toBe('noeviction');
    expect(Object.keys(info).some((k) => k.startsWith('#') || k === '')).toBe(false);
    expect(Object.keys(info)).toHaveLength(7);
  });

  it('splits on the first colon only and leaves no \\r behind', () => {
    expect(info.executable).toBe('/usr/local/bin/redis-server');
    expect(info.mem_fragmentation_ratio).toBe('1.52');
  });

  it('reads LF-only output too', () => {
    expect(parseInfo('a:1\nb:2\n')).toEqual({ a: '1', b: '2' });
  });

  it('ignores lines without a field name', () => {
    expect(parseInfo(':x\nnocolon\nok:1')).toEqual({ ok: '1' });
  });
});

describe('num', () => {
  const info = parseInfo(INFO);

  it('reads numbers', () => {
    expect(num(info, 'used_memory')).toBe(1_048_576_000);
    expect(num(info, 'mem_fragmentation_ratio')).toBe(1.52);
  });

  it('is undefined when absent, empty or not a number', () => {
    expect(num(info, 'missing')).toBeUndefined();
    expect(num(info, 'empty_field')).toBeUndefined();
    expect(num(info, 'used_memory_human')).toBeUndefined();
    expect(num({ x: 'inf' }, 'x')).toBeUndefined();
  });
});

describe('parseKeyspaceValue', () => {
  it('parses key=value pairs as numbers', () => {
    expect(parseKeyspaceValue(parseInfo(INFO).db0 ?? '')).toEqual({
      keys: 1200,
      expires: 300,
      avg_ttl: 86_400_000,
      subexpiry: 0,
    });
  });

  it('skips parts without =', () => {
    expect(parseKeyspaceValue('keys=1,junk,expires=0')).toEqual({ keys: 1, expires: 0 });
  });
});

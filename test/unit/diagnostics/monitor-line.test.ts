import { describe, expect, it } from 'vitest';
import {
  compactArgs,
  firstKey,
  type KeySpec,
  parseCommandInfo,
  parseMonitorLine,
} from '../../../src/diagnostics/monitor-line.js';

describe('parseMonitorLine', () => {
  it('reads time, database, client address and arguments', () => {
    expect(parseMonitorLine('1700000000.123456 [0 127.0.0.1:50000] "GET" "product:42:price"')).toEqual({
      time: 1700000000.123456,
      db: 0,
      source: '127.0.0.1:50000',
      args: ['GET', 'product:42:price'],
    });
  });

  it('keeps scripts, unix sockets, IPv6 clients and other databases apart', () => {
    expect(parseMonitorLine('1.5 [3 lua] "incr" "x"')).toMatchObject({ db: 3, source: 'lua', args: ['incr', 'x'] });
    expect(parseMonitorLine('1.5 [0 unix:/tmp/redis.sock] "ping"')?.source).toBe('unix:/tmp/redis.sock');
    expect(parseMonitorLine('1.5 [0 [::1]:50000] "ping"')?.source).toBe('[::1]:50000');
  });

  it('decodes the server’s escapes: quotes, backslashes, control bytes, \\xHH and UTF-8', () => {
    const line = String.raw`1.5 [0 127.0.0.1:1] "SET" "we\"ird key\n\\ \xc3\xa9 \x01" "a b" ""`;
    expect(parseMonitorLine(line)?.args).toEqual(['SET', 'we"ird key\n\\ é \u0001', 'a b', '']);
  });

  it('splits on quotes, not on the spaces inside them', () => {
    expect(parseMonitorLine('1.5 [0 127.0.0.1:1] "SET" "\\" \\"" "v"')?.args).toEqual(['SET', '" "', 'v']);
  });

  it.each(['', 'OK', '1.5 "GET" "k"', '1.5 [0 127.0.0.1:1] GET k', '1.5 [0 127.0.0.1:1] "GET" "unterminated'])(
    'refuses %j',
    (line) => {
      expect(parseMonitorLine(line)).toBeUndefined();
    },
  );
});

/** The shape of `COMMAND INFO get object eval xread nosuch` on Redis 7 (key specs trimmed). */
const COMMAND_INFO = [
  ['get', 2, ['readonly', 'fast'], 1, 1, 1, ['@read', '@string', '@fast'], [], [], []],
  [
    'object',
    -2,
    [],
    0,
    0,
    0,
    ['@slow'],
    [],
    [],
    [
      ['object|help', 2, ['loading', 'stale'], 0, 0, 0, ['@keyspace', '@slow'], [], [], []],
      ['object|freq', 3, ['readonly'], 2, 2, 1, ['@keyspace', '@read', '@slow'], [], [], []],
    ],
  ],
  [
    'eval',
    -3,
    ['noscript', 'stale', 'skip_monitor', 'may_replicate', 'no_mandatory_keys', 'movablekeys'],
    0,
    0,
    0,
    [],
    [],
    [],
    [],
  ],
  ['xread', -4, ['readonly', 'blocking', 'movablekeys'], 0, 0, 1, [], [], [], []],
  ['ping', -1, ['fast', 'sentinel'], 0, 0, 0, [], [], [], []],
  null,
];

describe('parseCommandInfo / firstKey', () => {
  const specs = parseCommandInfo(COMMAND_INFO);

  it('reads key positions, movable keys and subcommands', () => {
    expect(specs.get('get')).toEqual({ first: 1, movable: false });
    expect(specs.get('eval')?.movable).toBe(true);
    expect(specs.get('object')?.sub?.get('freq')).toEqual({ first: 2, movable: false });
    expect(specs.has('nosuch')).toBe(false);
  });

  it.each([
    [['GET', 'k'], 'k'],
    [['object', 'FREQ', 'k'], 'k'],
    [['OBJECT', 'HELP'], undefined],
    [['EVAL', 'return 1', '2', 'k1', 'k2', 'arg'], 'k1'],
    [['eval', 'return 1', '0', 'arg'], undefined],
    [['XREAD', 'COUNT', '10', 'STREAMS', 's1', 's2', '0', '0'], 's1'],
    [['PING'], undefined],
    [['MYMODULE.CMD', 'k'], undefined],
  ] as Array<[string[], string | undefined]>)('%j → %j', (args, key) => {
    expect(firstKey(args, specs)).toBe(key);
  });

  it('falls back to the second argument when COMMAND INFO is unavailable, except for keyless commands', () => {
    const none = new Map<string, KeySpec>();
    expect(firstKey(['GET', 'k'], none)).toBe('k');
    expect(firstKey(['HGET', 'h', 'f'], none)).toBe('h');
    expect(firstKey(['CLIENT', 'LIST'], none)).toBeUndefined();
    expect(firstKey(['PUBLISH', 'ch', 'msg'], none)).toBeUndefined();
    expect(firstKey(['EVALSHA', 'abc', '1', 'k'], none)).toBe('k');
    expect(firstKey(['ZUNION', '2', 'a', 'b'], none)).toBe('a');
    expect(firstKey([], none)).toBeUndefined();
  });
});

describe('compactArgs', () => {
  it('keeps the first four arguments and trims long ones (a SET value may be megabytes)', () => {
    const big = 'x'.repeat(5000);
    const out = compactArgs(['SET', 'k', big, 'EX', '10']);
    expect(out).toHaveLength(4);
    expect(out[0]).toBe('SET');
    expect(out[1]).toBe('k');
    expect(out[2]?.length).toBe(1025);
  });

  it('moves XREAD’s first stream up front, where firstKey finds it', () => {
    const args = compactArgs(['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '1', 'STREAMS', 'orders', '>']);
    expect(args).toEqual(['XREADGROUP', 'STREAMS', 'orders']);
    expect(firstKey(args, new Map())).toBe('orders');
  });
});

import { describe, expect, it } from 'vitest';
import { parseRedisCommand, REDIS_USAGE } from '../../../../src/commands/redis/parse.js';
import { INFO_SECTIONS } from '../../../../src/kernel/info.js';

describe('parseRedisCommand', () => {
  it.each(['', '  ', 'help', 'HELP'])('%j is help', (text) => {
    expect(parseRedisCommand(text)).toEqual({ kind: 'help' });
  });

  it.each(['runbooks', 'targets'] as const)('%s takes no arguments', (sub) => {
    expect(parseRedisCommand(` ${sub.toUpperCase()} `)).toEqual({ kind: sub });
    expect(parseRedisCommand(`${sub} all`)).toEqual({ kind: 'invalid', reason: `unexpected "all" after ${sub}` });
  });

  it('diag takes a target and an optional runbook', () => {
    expect(parseRedisCommand('diag cache-1')).toEqual({ kind: 'diag', target: 'cache-1' });
    expect(parseRedisCommand('diag cache-1 high-memory')).toEqual({
      kind: 'diag',
      target: 'cache-1',
      runbook: 'high-memory',
    });
    expect(parseRedisCommand('diag').kind).toBe('invalid');
    expect(parseRedisCommand('diag cache-1 a b').kind).toBe('invalid');
    expect(parseRedisCommand('diag <@U1>').kind).toBe('invalid');
  });

  it('info defaults to the memory section and accepts only the listed sections, in any case', () => {
    expect(parseRedisCommand('info cache-1')).toEqual({ kind: 'info', target: 'cache-1', section: 'memory' });
    expect(parseRedisCommand('info cache-1 CommandStats')).toEqual({
      kind: 'info',
      target: 'cache-1',
      section: 'commandstats',
    });
    for (const section of ['all', 'everything', 'default']) {
      expect(parseRedisCommand(`info cache-1 ${section}`).kind).toBe('invalid');
    }
    expect(parseRedisCommand('info').kind).toBe('invalid');
  });

  it('answers an unknown subcommand with its name', () => {
    expect(parseRedisCommand('flushall')).toEqual({ kind: 'invalid', reason: 'unknown subcommand "flushall"' });
  });

  it('usage names every subcommand and every INFO section', () => {
    for (const sub of ['diag', 'info', 'targets', 'runbooks', 'help']) expect(REDIS_USAGE).toContain(`/redis ${sub}`);
    for (const section of INFO_SECTIONS) expect(REDIS_USAGE).toContain(section);
  });
});

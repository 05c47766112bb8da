import { describe, expect, it } from 'vitest';
import {
  ExpressionError,
  evaluate,
  type Metrics,
  metricsOf,
  parseExpression,
  renderTemplate,
} from '../../../src/runbooks/expression.js';

const run = (src: string, metrics: Metrics) => evaluate(parseExpression(src), metrics);

describe('parseExpression', () => {
  it('builds a comparison of a metric and a number', () => {
    expect(parseExpression('fragmentation.ratio > 1.5')).toEqual({
      kind: 'cmp',
      op: '>',
      left: { kind: 'metric', name: 'fragmentation.ratio' },
      right: { kind: 'number', value: 1.5 },
    });
  });

  it('reads negative numbers and both quote styles, keeping spaces inside quotes', () => {
    expect(parseExpression('a.b>-1')).toMatchObject({ op: '>', right: { kind: 'number', value: -1 } });
    expect(parseExpression('a.b == "no eviction"')).toMatchObject({ right: { kind: 'string', value: 'no eviction' } });
    expect(parseExpression("a.b != 'x'")).toMatchObject({ op: '!=', right: { kind: 'string', value: 'x' } });
  });

  it('binds and tighter than or, and parentheses override it', () => {
    const flat = parseExpression('a.x > 1 or a.y > 1 and a.z > 1');
    expect(flat).toMatchObject({ kind: 'or', right: { kind: 'and' } });
    const grouped = parseExpression('(a.x > 1 or a.y > 1) and a.z > 1');
    expect(grouped).toMatchObject({ kind: 'and', left: { kind: 'or' } });
  });

  it('accepts keywords in any case', () => {
    expect(parseExpression('a.x > 1 AND a.y < 2 Or a.z == 3')).toMatchObject({ kind: 'or', left: { kind: 'and' } });
  });

  it.each([
    ['a.b >', /unexpected end of "a\.b >"/],
    ['a.b > 1 and', /unexpected end/],
    ['(a.b > 1', /missing "\)" in "\(a\.b > 1"/],
    ['a.b > 1)', /unexpected "\)" in "a\.b > 1\)"/],
    ['a.b > 1 c.d', /unexpected "c\.d"/],
    ['ratio > 1', /"ratio" is not a metric \(probe\.metric\)/],
    ['a.b 1', /expected a comparison operator after a\.b/],
    ['a.b => 1', /expected a comparison operator after a\.b/],
    ['', /unexpected end/],
  ])('rejects %j, naming the offending token and the source', (src, message) => {
    expect(() => parseExpression(src)).toThrow(ExpressionError);
    expect(() => parseExpression(src)).toThrow(message);
  });

  it('rejects an unterminated quoted string instead of dropping its last character', () => {
    expect(() => parseExpression('memory.policy == "noeviction')).toThrow(/unterminated string "noeviction/);
    expect(() => parseExpression('memory.policy == \'noeviction"')).toThrow(ExpressionError);
  });
});

describe('evaluate', () => {
  const m: Metrics = { 'memory.used_pct': 92.9, 'memory.policy': 'noeviction', 'memory.evicted_keys': 0 };

  it.each([
    ['memory.used_pct > 92', true],
    ['memory.used_pct > 92.9', false],
    ['memory.used_pct >= 92.9', true],
    ['memory.used_pct < 93', true],
    ['memory.used_pct <= 92.8', false],
    ['memory.used_pct == 92.9', true],
    ['memory.used_pct != 92.9', false],
    ['memory.evicted_keys > 0', false],
    ['memory.evicted_keys == 0', true],
  ])('%s is %s', (src, expected) => {
    expect(run(src, m)).toBe(expected);
  });

  it('compares strings with == and != and never orders them', () => {
    expect(run("memory.policy == 'noeviction'", m)).toBe(true);
    expect(run('memory.policy != "allkeys-lru"', m)).toBe(true);
    expect(run('memory.policy == "allkeys-lru"', m)).toBe(false);
    expect(run('memory.policy > 1', m)).toBe(false);
    expect(run('memory.policy <= 1', m)).toBe(false);
  });

  it('compares a metric with another metric', () => {
    expect(run('a.x > a.y', { 'a.x': 2, 'a.y': 1 })).toBe(true);
    expect(run('a.x > a.y', { 'a.x': 1, 'a.y': 2 })).toBe(false);
  });

  it('reads numeric strings as numbers for ordering', () => {
    expect(run('a.x > 9', { 'a.x': '10' })).toBe(true);
  });

  it('combines with and / or / parentheses', () => {
    const src = "memory.used_pct > 85 and memory.policy == 'noeviction'";
    expect(run(src, m)).toBe(true);
    expect(run(src, { ...m, 'memory.used_pct': 50 })).toBe(false);
    expect(run('a.x > 1 or a.y > 1', { 'a.x': 0, 'a.y': 2 })).toBe(true);
    expect(run('a.x > 1 or a.y > 1', { 'a.x': 0, 'a.y': 0 })).toBe(false);
    // or binds looser: true or (false and false) = true, but (true or false) and false = false.
    const vals = { 'a.x': 2, 'a.y': 0, 'a.z': 0 };
    expect(run('a.x > 1 or a.y > 1 and a.z > 1', vals)).toBe(true);
    expect(run('(a.x > 1 or a.y > 1) and a.z > 1', vals)).toBe(false);
  });

  it('makes every comparison with a missing metric false, including != and <', () => {
    for (const op of ['>', '>=', '<', '<=', '==', '!=']) {
      expect(run(`absent.metric ${op} 1`, {})).toBe(false);
    }
    // A missing figure on one side of `or` does not hide the other.
    expect(run('absent.metric > 1 or a.y > 1', { 'a.y': 2 })).toBe(true);
  });
});

describe('metricsOf', () => {
  it('lists every metric in order, on both sides and in nested groups', () => {
    expect(metricsOf(parseExpression('(a.x > b.y or c.z == "s") and 1 < d.w'))).toEqual(['a.x', 'b.y', 'c.z', 'd.w']);
  });

  it('is empty for constants only', () => {
    expect(metricsOf(parseExpression('1 < 2'))).toEqual([]);
  });
});

describe('renderTemplate', () => {
  it('fills placeholders, rounds to two decimals without trailing zeros, and marks unknowns with ?', () => {
    const m: Metrics = {
      'memory.used_pct': 92.9,
      'fragmentation.ratio': 1.23456,
      'memory.policy': 'noeviction',
      'k.n': 7,
    };
    expect(
      renderTemplate('{memory.used_pct}% ({memory.policy}) r={fragmentation.ratio} n={k.n} x={nope.metric}', m),
    ).toBe('92.9% (noeviction) r=1.23 n=7 x=?');
  });

  it('leaves braces that are not metric names alone', () => {
    expect(renderTemplate('{notametric} {1.2} {}', {})).toBe('{notametric} {1.2} {}');
  });
});

import { describe, expect, it } from 'vitest';
import { percentile } from '../../../bench/support/machine.js';
import { parseHotkeys, parseMemkeys, unrepr } from '../../../bench/support/redis-cli.js';
import { fmt, renderMarkdown, renderText, row } from '../../../bench/support/rows.js';

describe('reading redis-cli 7.0', () => {
  it('parses the --memkeys summary, escapes included', () => {
    const out = [
      'Sampled 21 keys in the keyspace!',
      'Biggest string found \'"big:blob:1"\' has 2097208 bytes',
      'Biggest   list found \'"q\\x01\\n"\' has 144 bytes',
      '21 strings with 1344 bytes (100.00% of keys, avg size 64.00)',
    ].join('\n');
    expect(parseMemkeys(out)).toEqual([
      { type: 'string', key: 'big:blob:1', bytes: 2_097_208 },
      { type: 'list', key: 'q\x01\n', bytes: 144 },
    ]);
  });

  it('parses the --hotkeys summary, hottest first', () => {
    const out = [
      '[47.62%] Hot key \'"hot"\' found so far with counter 26',
      '-------- summary -------',
      'hot key found with counter: 26\tkeyname: "hot"',
      'hot key found with counter: 5\tkeyname: "k18"',
    ].join('\n');
    expect(parseHotkeys(out)).toEqual([
      { key: 'hot', freq: 26 },
      { key: 'k18', freq: 5 },
    ]);
    expect(unrepr('plain')).toBe('plain');
  });
});

describe('the bench table', () => {
  const rows = [
    row('scan', 'ratio', 0.2456, '×', '≤ 0.3×', true),
    row('storm', 'lost | groups', 3, '', '0', false),
    row('webhook', 'p99', 1234.5, 'ms'),
  ];

  it('prints each figure beside its goal and verdict', () => {
    const text = renderText(rows).split('\n');
    expect(text[0]).toMatch(/^section\s+figure\s+value\s+goal/);
    expect(text[2]).toMatch(/scan\s+ratio\s+0\.246 ×\s+≤ 0\.3×\s+met$/);
    expect(text[3]).toMatch(/MISSED$/);
    expect(text[4]).toMatch(/1,235 ms$/);
  });

  it('writes Markdown with pipes escaped', () => {
    const md = renderMarkdown(rows);
    expect(md).toContain('| storm | lost \\| groups | 3 | 0 | MISSED |');
    expect(fmt(12.345)).toBe('12.3');
    expect(fmt(7)).toBe('7');
  });

  it('takes percentiles by nearest rank', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile([5], 99)).toBe(5);
    expect(percentile([], 50)).toBeNaN();
  });
});

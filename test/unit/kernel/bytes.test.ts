import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../../src/kernel/bytes.js';

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [512, '512 B'],
    [1023, '1023 B'],
    [1023.6, '1.0 KB'],
    [1024, '1.0 KB'],
    [1536, '1.5 KB'],
    [1_048_575, '1.0 MB'],
    [12.3 * 1024 * 1024, '12.3 MB'],
    [1000 * 1024 * 1024, '1000.0 MB'],
    [1.5 * 1024 ** 3, '1.5 GB'],
    [2 * 1024 ** 4, '2.0 TB'],
    [3 * 1024 ** 5, '3.0 PB'],
    [5000 * 1024 ** 5, '5000.0 PB'],
  ])('%d bytes is %s', (n, text) => {
    expect(formatBytes(n)).toBe(text);
  });

  it('keeps the sign of a negative delta', () => {
    expect(formatBytes(-3 * 1024 * 1024)).toBe('-3.0 MB');
    expect(formatBytes(-100)).toBe('-100 B');
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])('prints n/a for %d', (n) => {
    expect(formatBytes(n)).toBe('n/a');
  });
});

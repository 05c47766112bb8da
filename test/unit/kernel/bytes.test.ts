import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../../src/kernel/bytes.js';

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [512, '512 B'],
    [1023, '1023 B'],
    [1023.6, '1.0 KiB'],
    [1024, '1.0 KiB'],
    [1536, '1.5 KiB'],
    [1_048_575, '1.0 MiB'],
    [12.3 * 1024 * 1024, '12.3 MiB'],
    [1000 * 1024 * 1024, '1000.0 MiB'],
    [1.5 * 1024 ** 3, '1.5 GiB'],
    [2 * 1024 ** 4, '2.0 TiB'],
    [3 * 1024 ** 5, '3.0 PiB'],
    [5000 * 1024 ** 5, '5000.0 PiB'],
  ])('%d bytes is %s', (n, text) => {
    expect(formatBytes(n)).toBe(text);
  });

  it('keeps the sign of a negative delta', () => {
    expect(formatBytes(-3 * 1024 * 1024)).toBe('-3.0 MiB');
    expect(formatBytes(-100)).toBe('-100 B');
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])('prints n/a for %d', (n) => {
    expect(formatBytes(n)).toBe('n/a');
  });
});

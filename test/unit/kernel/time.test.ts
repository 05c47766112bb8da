import { describe, expect, it } from 'vitest';
import { utc } from '../../../src/kernel/time.js';

describe('utc', () => {
  it('formats an ISO time for readers, with or without milliseconds', () => {
    expect(utc('2026-11-23T14:02:11.123Z')).toBe('2026-11-23 14:02:11 UTC');
    expect(utc('2026-11-23T14:02:11Z')).toBe('2026-11-23 14:02:11 UTC');
    expect(utc('')).toBe('');
  });

  it('reads a missing time as the placeholder the caller gives', () => {
    expect(utc('', '—')).toBe('—');
    expect(utc('2026-11-23T14:02:11Z', '—')).toBe('2026-11-23 14:02:11 UTC');
  });
});

import { describe, expect, it } from 'vitest';
import { escapeText, LIMITS, safe, truncate } from '../../../src/blocks/text.js';

describe('escapeText', () => {
  it('escapes &, < and > so special mentions and links render as text', () => {
    expect(escapeText('<!channel> <!here> <@U0ALICE> <http://x|y> a & b')).toBe(
      '&lt;!channel&gt; &lt;!here&gt; &lt;@U0ALICE&gt; &lt;http://x|y&gt; a &amp; b',
    );
  });

  it('escapes & first, so an existing entity is shown as typed', () => {
    expect(escapeText('&lt;!channel&gt;')).toBe('&amp;lt;!channel&amp;gt;');
  });

  it('breaks bare @channel, @here and @everyone in any case with a zero-width character', () => {
    expect(escapeText('@channel @HERE @Everyone')).toBe('@\u200bchannel @\u200bHERE @\u200bEveryone');
    expect(escapeText('@channel')).not.toContain('@channel');
  });

  it('leaves ordinary text and addresses alone', () => {
    expect(escapeText('ops@channels.example and @herelong')).toBe('ops@channels.example and @herelong');
    expect(escapeText('used_memory 1.5 GB (92%)')).toBe('used_memory 1.5 GB (92%)');
  });
});

describe('truncate', () => {
  it('keeps text within the limit and marks the cut', () => {
    expect(truncate('hello', 5)).toBe('hello');
    expect(truncate('hello world', 5)).toBe('hell…');
    expect(truncate('x'.repeat(5000), LIMITS.sectionText)).toHaveLength(LIMITS.sectionText);
  });
});

describe('safe', () => {
  it('escapes short text without cutting it', () => {
    expect(safe('a < b')).toBe('a &lt; b');
  });

  it.each([
    ['plain', 'x'.repeat(10_000)],
    ['angle brackets', '<'.repeat(10_000)],
    ['mixed', 'a&<b>@channel '.repeat(1_000)],
  ])('never exceeds the limit once escaped (%s)', (_, text) => {
    for (const max of [1, 5, 100, LIMITS.field, LIMITS.sectionText]) {
      const out = safe(text, max);
      expect(out.length).toBeLessThanOrEqual(max);
      expect(out.endsWith('…')).toBe(true);
    }
  });

  it('never splits an entity or leaves a raw < behind', () => {
    for (let max = 2; max < 40; max++) {
      const out = safe('a&b<c>d'.repeat(20), max);
      expect(out).not.toMatch(/[<>]/);
      // Every & starts a whole entity.
      expect(out.replace(/&(amp|lt|gt);/g, '')).not.toContain('&');
    }
  });

  it('keeps as much as fits when every character expands', () => {
    // 100 chars of room, each `<` becomes 4: 24 whole entities fit before the ellipsis.
    const out = safe('<'.repeat(1000), 100);
    expect(out).toBe(`${'&lt;'.repeat(24)}…`);
  });
});

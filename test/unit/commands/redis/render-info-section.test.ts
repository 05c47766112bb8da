import { describe, expect, it } from 'vitest';
import { renderInfoSection } from '../../../../src/commands/redis/worker.js';

describe('renderInfoSection', () => {
  it('aligns fields and values, skipping the section header', () => {
    const text = renderInfoSection('memory', '# Memory\r\nused_memory:1024\r\nmaxmemory_policy:noeviction\r\n');
    expect(text).toBe('used_memory       1024\nmaxmemory_policy  noeviction');
  });

  it('never shows fields that look like secrets', () => {
    const text = renderInfoSection('server', 'redis_version:7.0.15\nmasterauth:hunter2\ntls_key_file:/k.pem\n');
    expect(text).toBe('redis_version  7.0.15');
  });

  it('sorts commandstats by total time, most expensive first', () => {
    const text = renderInfoSection(
      'commandstats',
      'cmdstat_get:calls=10,usec=50\ncmdstat_keys:calls=1,usec=9000\ncmdstat_set:calls=5,usec=700\n',
    );
    expect(text.split('\n').map((l) => l.split(' ')[0])).toEqual(['cmdstat_keys', 'cmdstat_set', 'cmdstat_get']);
  });

  it('shows 40 fields and counts the rest', () => {
    const raw = Array.from({ length: 45 }, (_, i) => `field_${i}:${i}`).join('\n');
    const lines = renderInfoSection('stats', raw).split('\n');
    expect(lines).toHaveLength(41);
    expect(lines.at(-1)).toBe('… 5 more fields');
  });

  it('says so when the section is empty', () => {
    expect(renderInfoSection('keyspace', '# Keyspace\r\n')).toBe('(empty section)');
  });
});

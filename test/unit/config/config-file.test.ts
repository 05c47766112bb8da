import { describe, expect, it } from 'vitest';
import { ConfigFileSchema, parseDuration, TargetSchema } from '../../../src/config/config-file.js';

const TARGET = { name: 'cache-1', url: 'redis://10.0.1.10:6379', workload: 'cache', match: { instance: 'x' } };

describe('parseDuration', () => {
  it.each([
    ['0s', 0],
    ['250ms', 250],
    ['30s', 30_000],
    ['15m', 900_000],
    ['2h', 7_200_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '15', 'm', '1.5m', '15M', '1d', ' 15m'])('throws for %j', (text) => {
    expect(() => parseDuration(text)).toThrow(/not a duration/);
  });
});

describe('TargetSchema', () => {
  it('accepts redis:// and rediss:// URLs and every workload class', () => {
    for (const workload of ['cache', 'session', 'queue']) {
      expect(TargetSchema.safeParse({ ...TARGET, workload }).success).toBe(true);
    }
    expect(TargetSchema.safeParse({ ...TARGET, url: 'rediss://:pw@host:6380/1' }).success).toBe(true);
  });

  it.each([
    ['url', 'http://host:6379'],
    ['name', 'has space'],
    ['name', '-leading-dash'],
    ['workload', 'batch'],
    ['channel', ''],
  ])('rejects %s = %j at that field', (field, value) => {
    const r = TargetSchema.safeParse({ ...TARGET, [field]: value });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.'))).toEqual([field]);
  });
});

describe('ConfigFileSchema', () => {
  it('defaults: no targets, no approvers, two-person rule on, 15 minute expiry', () => {
    expect(ConfigFileSchema.parse({})).toEqual({
      targets: [],
      approvals: { approvers: [], twoPersonRule: true, expiresAfter: 900_000 },
      incidents: { groupWindow: 3_600_000 },
      incidentChannels: { severities: [] },
      commands: { rateLimit: { max: 10, window: 60_000 } },
    });
  });

  it('fills approval defaults field by field', () => {
    expect(ConfigFileSchema.parse({ approvals: { approvers: ['W0ALICE', 'S0ONCALL'] } }).approvals).toEqual({
      approvers: ['W0ALICE', 'S0ONCALL'],
      twoPersonRule: true,
      expiresAfter: 900_000,
    });
    expect(ConfigFileSchema.parse({ approvals: { twoPersonRule: false } }).approvals.twoPersonRule).toBe(false);
  });

  it('rejects unknown top-level keys', () => {
    const r = ConfigFileSchema.safeParse({ targetz: [] });
    expect(r.success).toBe(false);
  });

  it('accepts two targets with different names', () => {
    const r = ConfigFileSchema.safeParse({ targets: [TARGET, { ...TARGET, name: 'cache-2' }] });
    expect(r.success).toBe(true);
  });
});

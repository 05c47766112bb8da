import { describe, expect, it } from 'vitest';
import { describeIssues, EnvSchema } from '../../../src/config/env.js';

const MINIMAL = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_CHANNEL: 'C0INC' };

function issuesOf(env: Record<string, string>): string {
  const r = EnvSchema.safeParse(env);
  if (r.success) throw new Error('expected the environment to be rejected');
  return describeIssues(r.error.issues);
}

describe('EnvSchema', () => {
  it('fills the documented defaults', () => {
    expect(EnvSchema.parse(MINIMAL)).toEqual({
      ...MINIMAL,
      REDIS_URL: 'redis://127.0.0.1:6379',
      RUNBOOKS_DIR: './runbooks',
      PORT: 3000,
      LOG_LEVEL: 'info',
      ROLE: 'all',
      QUEUE_PREFIX: 'rib',
      KEY_PREFIX: 'rib',
      REMEDIATION_LEASE_MS: 15_000,
    });
  });

  it('coerces PORT from a string and keeps other variables as given', () => {
    const env = EnvSchema.parse({ ...MINIMAL, PORT: '8080', ROLE: 'worker', REDIS_URL: 'rediss://state:6380' });
    expect(env.PORT).toBe(8080);
    expect(env.ROLE).toBe('worker');
    expect(env.REDIS_URL).toBe('rediss://state:6380');
  });

  it('ignores variables it does not know', () => {
    expect(EnvSchema.parse({ ...MINIMAL, HOME: '/root' })).not.toHaveProperty('HOME');
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '30.5'],
    ['REDIS_URL', 'http://127.0.0.1:6379'],
    ['LOG_LEVEL', 'verbose'],
    ['ROLE', 'both'],
    ['SLACK_APP_TOKEN', 'xoxb-not-an-app-token'],
    ['SLACK_API_URL', 'not a url'],
  ])('names %s when it is %j', (name, value) => {
    expect(issuesOf({ ...MINIMAL, [name]: value })).toMatch(new RegExp(`^${name}: `));
  });

  it('names each missing required variable on its own line', () => {
    const lines = issuesOf({}).split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^SLACK_BOT_TOKEN: /);
    expect(lines[1]).toMatch(/^SLACK_CHANNEL: /);
  });
});

describe('describeIssues', () => {
  it('joins the path with dots, prefixes each line and names the root when there is no path', () => {
    expect(
      describeIssues(
        [
          { code: 'custom', path: ['targets', 0, 'workload'], message: 'bad', input: undefined },
          { code: 'custom', path: [], message: 'worse', input: undefined },
        ],
        '  ',
      ),
    ).toBe('  targets.0.workload: bad\n  (root): worse');
  });
});

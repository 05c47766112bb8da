import { describe, expect, it } from 'vitest';
import { redactText, redactUrl } from '../../../src/kernel/redact.js';

const SECRET = 's3cr3t-Pa55';

describe('redactUrl', () => {
  it.each([
    [`redis://:${SECRET}@10.0.1.10:6379`, 'redis://:***@10.0.1.10:6379'],
    [`redis://default:${SECRET}@cache:6379/2`, 'redis://default:***@cache:6379/2'],
    [`rediss://app:${SECRET}@cache.example:6380`, 'rediss://app:***@cache.example:6380'],
    [`redis://app:p@ss@cache:6379`, 'redis://app:***@cache:6379'],
    [`redis://app:s3cr%40t@cache:6379`, 'redis://app:***@cache:6379'],
    [`redis://cache:6379?password=${SECRET}&db=1`, 'redis://cache:6379?password=***&db=1'],
  ])('redacts %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });

  it('leaves a URL without credentials as it was', () => {
    expect(redactUrl('redis://10.0.1.10:6379')).toBe('redis://10.0.1.10:6379');
    expect(redactUrl('redis://cache:6379/0')).toBe('redis://cache:6379/0');
  });

  it('keeps the user name, which is not a secret', () => {
    expect(redactUrl(`redis://app:${SECRET}@cache:6379`)).toContain('app:');
  });

  it('still redacts a URL the parser rejects', () => {
    const out = redactUrl(`redis://:${SECRET}@cache:port`);
    expect(out).not.toContain(SECRET);
    expect(out).toBe('redis://***@cache:port');
    expect(redactUrl(`redis://u:p@${SECRET}@cache:port`)).not.toContain(SECRET);
  });
});

describe('redactText', () => {
  it('redacts every Redis URL in an error message', () => {
    const text = `connect failed: redis://:${SECRET}@a:6379 and rediss://u:${SECRET}@b:6380/0, giving up`;
    const out = redactText(text);
    expect(out).not.toContain(SECRET);
    expect(out).toBe('connect failed: redis://***@a:6379 and rediss://***@b:6380/0, giving up');
  });

  it('redacts a password that itself contains @, up to the host', () => {
    const out = redactText('redis://user:p@ss@word@cache:6379/0 refused');
    expect(out).toBe('redis://***@cache:6379/0 refused');
  });

  it('redacts a password given as a query parameter', () => {
    expect(redactText(`redis://cache:6379?db=1&password=${SECRET} timed out`)).toBe(
      'redis://cache:6379?db=1&password=*** timed out',
    );
  });

  it('redacts Slack tokens', () => {
    expect(redactText('token xoxb-1234-5678-abcDEF and xoxp-9-z, app xapp-1-A0-123-abc')).toBe(
      'token xox?-*** and xox?-***, app xapp-***',
    );
  });

  it('leaves text without secrets alone, including e-mail addresses and credential-free URLs', () => {
    const text = 'redis://cache:6379 is down; page ops@example.com';
    expect(redactText(text)).toBe(text);
  });

  it('keeps JSON valid and other fields intact when redacting a serialised message', () => {
    const message = {
      text: 'target redis://cache:6379',
      blocks: [{ type: 'section', text: { text: `*Commander*\n<@U0ALICE> saw redis://:${SECRET}@cache:6379` } }],
    };
    const out = redactText(JSON.stringify(message));
    expect(out).not.toContain(SECRET);
    const parsed = JSON.parse(out) as typeof message;
    expect(parsed.text).toBe('target redis://cache:6379');
    expect(parsed.blocks[0]?.text.text).toBe('*Commander*\n<@U0ALICE> saw redis://***@cache:6379');
  });
});

import { describe, expect, it } from 'vitest';
import { isAppError } from '../../../src/kernel/errors.js';
import { withTimeout } from '../../../src/kernel/timeout.js';

const never = new Promise<never>(() => {});

describe('withTimeout', () => {
  it('resolves with the work when it settles in time', async () => {
    await expect(withTimeout(Promise.resolve(7), 1000, 'quick work')).resolves.toBe(7);
  });

  it('passes the rejection of the work through unchanged', async () => {
    await expect(withTimeout(Promise.reject(new Error('boom')), 1000, 'failing work')).rejects.toThrow('boom');
  });

  it('rejects with the neutral TIMEOUT code by default', async () => {
    const err = await withTimeout(never, 5, 'diagnose job 1').catch((e: unknown) => e);
    expect(isAppError(err, 'TIMEOUT')).toBe(true);
    expect((err as Error).message).toBe('diagnose job 1 took longer than 5 ms');
  });

  it('rejects with the code the caller names', async () => {
    const err = await withTimeout(never, 5, 'probe memory', 'PROBE_TIMEOUT').catch((e: unknown) => e);
    expect(isAppError(err, 'PROBE_TIMEOUT')).toBe(true);
  });
});

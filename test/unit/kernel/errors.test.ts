import { describe, expect, it } from 'vitest';
import { AppError, errorMessage, isAppError } from '../../../src/kernel/errors.js';

describe('errorMessage', () => {
  it('gives the message of an Error', () => {
    expect(errorMessage(new Error('connect ECONNREFUSED'))).toBe('connect ECONNREFUSED');
    expect(errorMessage(new AppError('LOCK_BUSY', 'busy'))).toBe('busy');
  });

  it('gives text for a thrown non-Error instead of undefined', () => {
    expect(errorMessage('plain string')).toBe('plain string');
    expect(errorMessage({ message: 'object with a message' })).toBe('object with a message');
    expect(errorMessage(42)).toBe('42');
    expect(errorMessage(undefined)).toBe('undefined');
  });
});

describe('isAppError', () => {
  it('matches by class and, when given, by code', () => {
    const err = new AppError('LOCK_BUSY', 'busy');
    expect(isAppError(err)).toBe(true);
    expect(isAppError(err, 'LOCK_BUSY')).toBe(true);
    expect(isAppError(err, 'BODY_TOO_LARGE')).toBe(false);
    expect(isAppError(new Error('busy'))).toBe(false);
  });
});

import { AppError, type AppErrorCode } from './errors.js';

/**
 * Rejects with an AppError (`code`, TIMEOUT unless the caller names a more precise one such as PROBE_TIMEOUT) when
 * `work` has not settled within `ms`. `work` itself is not cancelled; the caller stops waiting for it.
 */
export async function withTimeout<T>(
  work: Promise<T>,
  ms: number,
  what: string,
  code: AppErrorCode = 'TIMEOUT',
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AppError(code, `${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

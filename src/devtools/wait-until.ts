import { errorMessage } from '../kernel/errors.js';
/**
 * Re-checks `check` every `intervalMs` until it returns something other than `undefined`/`false`, and returns that;
 * throws naming `what` and the last observation after `timeoutMs`.
 */
export async function waitUntil<T>(
  check: () => Promise<T | undefined | false>,
  opts: { timeoutMs?: number; intervalMs?: number; what: string; last?: () => string },
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  let lastError = '';
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastError = errorMessage(err);
    }
    if (Date.now() >= deadline) {
      const seen = opts.last?.() ?? lastError;
      throw new Error(
        `timed out after ${opts.timeoutMs ?? 10_000} ms waiting for ${opts.what}${seen ? `: ${seen}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
}

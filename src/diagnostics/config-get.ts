import type { Redis } from 'ioredis';

/** True for an error reply from the server (unknown/renamed command, NOPERM, wrong args), not a connection failure. */
export function isReplyError(err: unknown): err is Error {
  return err instanceof Error && err.name === 'ReplyError';
}

/**
 * `CONFIG GET name` (O(1)) → its value, or undefined when the server refuses: CONFIG renamed away, denied by ACL,
 * or an unknown parameter on this version. Connection errors and timeouts still reject, so a dead node fails the
 * probe instead of looking like a locked-down one.
 */
export async function configGet(client: Redis, name: string): Promise<string | undefined> {
  try {
    const reply = (await client.config('GET', name)) as unknown;
    if (!Array.isArray(reply)) return undefined;
    for (let i = 0; i + 1 < reply.length; i += 2) {
      if (String(reply[i]).toLowerCase() === name.toLowerCase()) return String(reply[i + 1]);
    }
    return undefined;
  } catch (err) {
    if (isReplyError(err)) return undefined;
    throw err;
  }
}

/** Seconds or milliseconds rounded to one decimal, for metrics people read. */
export function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

import type { ChainableCommander } from 'ioredis';

/**
 * Runs a MULTI and throws the first command error (or an aborted transaction), so a state change and the effects it
 * owes either commit together or the job fails and is retried; resolves to each command's reply.
 */
export async function commit(multi: ChainableCommander): Promise<unknown[]> {
  const res = await multi.exec();
  if (!res) throw new Error('state Redis: MULTI aborted');
  for (const [err] of res) if (err) throw err;
  return res.map(([, value]) => value);
}

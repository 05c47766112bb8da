import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RedisProcess, startRedis } from '../../../src/devtools/redis-process.js';
import { RespConnection } from '../../../src/diagnostics/resp-connection.js';
import { isAppError } from '../../../src/kernel/errors.js';

/**
 * The raw RESP connection the scans use holds every request to a read timeout: a redis-server that accepts TCP but
 * stopped answering (SIGSTOP) fails the pending requests with an error naming the node and "timed out", and the
 * connection refuses further work at once.
 */
describe('RespConnection read timeout', () => {
  let redis: RedisProcess;
  let client: Redis;
  let stopped = false;

  beforeEach(async () => {
    redis = await startRedis();
    client = new Redis(redis.port, '127.0.0.1', { lazyConnect: true, commandTimeout: 300 });
    await client.connect();
  });

  afterEach(async () => {
    if (stopped) process.kill(redis.pid, 'SIGCONT');
    stopped = false;
    client.disconnect();
    await redis.stop();
  });

  it('answers as before while the server answers', async () => {
    const conn = await RespConnection.open(client, 'test-scan');
    expect(await conn.send(RespConnection.encode('PING') + RespConnection.encode('ECHO', 'x'), 2)).toEqual([
      'PONG',
      'x',
    ]);
    conn.close();
  });

  it('rejects every pending request with TARGET_TIMEOUT once the oldest goes unanswered, then fails fast', async () => {
    const conn = await RespConnection.open(client, 'test-scan');
    process.kill(redis.pid, 'SIGSTOP');
    stopped = true;
    const first = conn.send(RespConnection.encode('PING'), 1);
    const second = conn.send(RespConnection.encode('PING'), 1);
    const [a, b] = await Promise.allSettled([first, second]);
    for (const r of [a, b]) {
      expect(r?.status).toBe('rejected');
      const err = (r as PromiseRejectedResult).reason;
      expect(isAppError(err, 'TARGET_TIMEOUT')).toBe(true);
      expect(err.message).toBe(`127.0.0.1:${redis.port} (test-scan) is unreachable: timed out, no reply within 300 ms`);
    }
    await expect(conn.send(RespConnection.encode('PING'), 1)).rejects.toThrow(/timed out/);
  });

  it('takes its read timeout from the client it opens beside, or the one given', async () => {
    process.kill(redis.pid, 'SIGSTOP');
    stopped = true;
    // The handshake (CLIENT SETNAME) is a request like any other.
    await expect(RespConnection.open(client, 'test-scan', 200)).rejects.toThrow(
      `127.0.0.1:${redis.port} (test-scan) is unreachable: timed out, no reply within 200 ms`,
    );
  });
});

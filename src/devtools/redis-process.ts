import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** A throwaway `redis-server` on a free loopback port, owned by the caller and stopped by PID. */
export interface RedisProcess {
  port: number;
  url: string;
  pid: number;
  dir: string;
  client(): Redis;
  stop(): Promise<void>;
}

/** Asks the kernel for a free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (addr && typeof addr === 'object') {
        const { port } = addr;
        srv.close(() => resolve(port));
      } else {
        srv.close(() => reject(new Error('no port')));
      }
    });
  });
}

/**
 * Starts `redis-server` with no persistence on a free port and waits until it answers PING.
 * `args` are extra command-line options, e.g. `['--maxmemory', '10mb']`.
 */
export async function startRedis(args: string[] = []): Promise<RedisProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'rib-redis-'));
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    const onData = () => {
      if (output.includes('Ready to accept connections')) resolve();
    };
    child.stdout?.on('data', onData);
    void exited.then((code) => reject(new Error(`redis-server exited (${code}) before ready:\n${output}`)));
  });
  const clients: Redis[] = [];
  // With --requirepass the helper's clients authenticate; `url` stays password-free (callers add it on purpose).
  const pwAt = args.indexOf('--requirepass');
  const password = pwAt >= 0 ? args[pwAt + 1] : undefined;
  const url = `redis://127.0.0.1:${port}`;
  return {
    port,
    url,
    pid: child.pid ?? -1,
    dir,
    client() {
      const c = new Redis(port, '127.0.0.1', {
        lazyConnect: false,
        maxRetriesPerRequest: 1,
        ...(password ? { password } : {}),
      });
      clients.push(c);
      return c;
    },
    async stop() {
      for (const c of clients) c.disconnect();
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

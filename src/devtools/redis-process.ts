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
  /** SIGKILLs the server (as a crashed host would) and leaves it down; `restart` brings it back. */
  kill(): Promise<void>;
  /** Starts it again on the same port and dir (killing it first if it still runs); data is not kept. */
  restart(): Promise<void>;
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

interface RunningServer {
  child: ChildProcess;
  exited: Promise<number | null>;
}

/** Spawns `redis-server` with `argv` and resolves once it accepts connections. */
async function spawnServer(argv: string[]): Promise<RunningServer> {
  const child: ChildProcess = spawn('redis-server', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
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
  return { child, exited };
}

async function killServer(s: RunningServer): Promise<void> {
  if (s.child.exitCode === null && s.child.signalCode === null) {
    s.child.kill('SIGKILL');
    await s.exited;
  }
}

/**
 * Starts `redis-server` with no persistence on a free port and waits until it answers PING.
 * `args` are extra command-line options, e.g. `['--maxmemory', '10mb']`.
 */
export async function startRedis(args: string[] = []): Promise<RedisProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'rib-redis-'));
  const argv = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    ...args,
  ];
  let server = await spawnServer(argv);
  const clients: Redis[] = [];
  // With --requirepass the helper's clients authenticate; `url` stays password-free (callers add it on purpose).
  const pwAt = args.indexOf('--requirepass');
  const password = pwAt >= 0 ? args[pwAt + 1] : undefined;
  const url = `redis://127.0.0.1:${port}`;
  return {
    port,
    url,
    get pid() {
      return server.child.pid ?? -1;
    },
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
    async kill() {
      await killServer(server);
    },
    async restart() {
      await killServer(server);
      server = await spawnServer(argv);
    },
    async stop() {
      for (const c of clients) c.disconnect();
      await killServer(server);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

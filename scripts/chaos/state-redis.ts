import { waitUntil } from '../../src/devtools/wait-until.js';
import type { Child, Children } from './children.js';

/**
 * The bot's state redis-server for a chaos run, with AOF (`appendfsync always`, so a SIGKILL loses no acknowledged
 * write and what the bot lost is the bot's doing), restartable on the same port and dir.
 */
export class StateRedis {
  private child: Child | undefined;

  constructor(
    private readonly children: Children,
    readonly port: number,
    readonly dir: string,
  ) {
    // The operator's own Redis is never touched, not even by accident through a port collision.
    if (port === 6379) throw new Error('refusing to run the chaos state Redis on port 6379');
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts (or starts again, replaying the AOF) and waits until it accepts connections. */
  async start(): Promise<void> {
    const child = this.children.spawn(
      'state-redis',
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--save',
        '',
      ],
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } },
    );
    this.child = child;
    await waitUntil(
      async () => {
        if (child.output().includes('spawn failed')) throw new Error(child.output());
        return child.output().includes('Ready to accept connections');
      },
      { what: 'the state redis-server', timeoutMs: 30_000, intervalMs: 50, last: () => child.output().slice(-500) },
    );
  }

  /** Kills it the hard way (SIGKILL by PID), as a crashed host would. */
  async crash(): Promise<void> {
    await this.child?.stop('SIGKILL', 1_000);
  }
}

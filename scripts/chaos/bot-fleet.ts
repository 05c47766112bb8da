import { type BotEnv, spawnBot, waitForWeb, waitForWorker } from './bot-process.js';
import type { Child, Children } from './children.js';

/**
 * The bot split the way it is deployed for scale: one ROLE=web process and two ROLE=worker processes on one state
 * Redis. Like a process supervisor it restarts a process that exits on its own, and counts it: that is a crash the
 * chaos did not ask for.
 */
export class BotFleet {
  private web: Child | undefined;
  private readonly workers: Array<Child | undefined> = [undefined, undefined];
  private readonly killing = new Set<Child>();
  private stopping = false;
  /** Exits nobody asked for, as `name: code`. */
  readonly unexpectedExits: string[] = [];
  kills = 0;

  constructor(
    private readonly children: Children,
    private readonly env: BotEnv,
    private readonly webPort: number,
  ) {}

  get webUrl(): string {
    return `http://127.0.0.1:${this.webPort}`;
  }

  /** Starts all three and waits until the web answers /healthz and both workers say they started. */
  async start(): Promise<void> {
    this.web = this.spawn('web');
    this.workers[0] = this.spawn('worker', 0);
    this.workers[1] = this.spawn('worker', 1);
    await waitForWeb(this.web, this.webUrl);
    await Promise.all(this.workers.map((w) => (w ? waitForWorker(w) : true)));
  }

  /** SIGKILLs worker `i` by its PID (a crash: no drain, no cleanup), then starts a new one in its place. */
  async killWorker(i: 0 | 1): Promise<void> {
    const w = this.workers[i];
    if (w) {
      this.killing.add(w);
      await w.stop('SIGKILL', 1_000);
      this.kills++;
    }
    this.workers[i] = this.spawn('worker', i);
  }

  /** Stops the fleet by PID: SIGTERM (the bot drains), SIGKILL after the grace period. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([this.web, ...this.workers].map((c) => c?.stop('SIGTERM', 8_000)));
  }

  private spawn(role: 'web' | 'worker', i?: number): Child {
    const name = role === 'web' ? 'bot-web' : `bot-worker-${(i ?? 0) + 1}`;
    const child = spawnBot(this.children, name, role, this.env, role === 'web' ? this.webPort : undefined);
    void child.exited.then((code) => {
      if (this.stopping || this.killing.delete(child)) return;
      this.unexpectedExits.push(`${name} (pid ${child.pid}): ${code}`);
      // Bounded, with a pause: a process that cannot start (bad config) must not be restarted forever or in a
      // tight loop.
      if (this.unexpectedExits.length > 20) return;
      setTimeout(() => {
        if (this.stopping) return;
        if (role === 'web') this.web = this.spawn('web');
        else if (i !== undefined && this.workers[i] === child) this.workers[i] = this.spawn('worker', i);
      }, 2_000);
    });
    return child;
  }
}

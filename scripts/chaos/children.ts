import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';

/** A process the chaos run started, logged to `<logDir>/<name>.log` and stopped by its PID. */
export interface Child {
  readonly name: string;
  readonly pid: number;
  /** Resolves with the exit code (or the signal's name) once the process is gone. */
  readonly exited: Promise<number | string>;
  /** Everything the process printed so far (stdout and stderr), for readiness checks. */
  output(): string;
  /** Sends `signal` to this PID (nothing else) and waits for the exit, SIGKILL after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

/**
 * Every process a chaos run starts, so that each one is stopped by its own PID at the end, on error, on Ctrl-C and
 * even when the run itself exits abruptly (a synchronous SIGKILL per PID in the `exit` hook). Nothing is ever
 * stopped by name.
 */
export class Children {
  private readonly live = new Map<number, { child: Child; proc: ChildProcess }>();
  private readonly stoppers: Array<() => Promise<unknown>> = [];
  /** PIDs of helper-owned processes not stopped yet: only these (and `live`) are killed by the exit hook. */
  private readonly owned = new Set<number>();

  constructor(private readonly logDir: string) {
    process.once('exit', () => {
      for (const pid of [...this.live.keys(), ...this.owned]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    });
  }

  /** Starts `cmd args` with exactly `env` (nothing inherited), its output appended to `<name>.log`. */
  spawn(name: string, cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Child {
    const proc = spawn(cmd, args, { env: opts.env ?? {}, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const log: WriteStream = createWriteStream(join(this.logDir, `${name}.log`), { flags: 'a' });
    let text = '';
    const keep = (d: Buffer) => {
      log.write(d);
      // Readiness checks look at recent output only; keep memory bounded for chatty processes.
      text = (text + d.toString()).slice(-64 * 1024);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    const pid = proc.pid ?? -1;
    const exited = new Promise<number | string>((resolve) => {
      proc.once('error', (err) => {
        text += `\nspawn failed: ${err.message}`;
        resolve('spawn-error');
      });
      proc.once('exit', (code, signal) => {
        this.live.delete(pid);
        log.end();
        resolve(code ?? signal ?? 'unknown');
      });
    });
    const child: Child = {
      name,
      pid,
      exited,
      output: () => text,
      stop: async (signal = 'SIGTERM', graceMs = 5_000) => {
        if (proc.exitCode !== null || proc.signalCode !== null || pid < 0) return;
        proc.kill(signal);
        const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      },
    };
    if (pid > 0) this.live.set(pid, { child, proc });
    return child;
  }

  /**
   * Registers something not spawned here (a devtools helper that owns its process, or a server): `stop` runs in
   * `stopAll`, and `pid`, until `stop` has finished, is SIGKILLed by the exit hook if the run dies first.
   */
  own(stop: () => Promise<unknown>, pid?: number): void {
    if (pid !== undefined && pid > 0) this.owned.add(pid);
    this.stoppers.push(async () => {
      await stop();
      if (pid !== undefined) this.owned.delete(pid);
    });
  }

  /**
   * Stops everything: the registered stops newest first (so what feeds the bot stops before the bot, and the bot
   * before what it needs), then whatever spawned child is left, by PID (SIGTERM, SIGKILL after 5 s).
   */
  async stopAll(): Promise<void> {
    for (const stop of this.stoppers.splice(0).reverse()) await stop().catch(() => {});
    await Promise.all([...this.live.values()].map(({ child }) => child.stop('SIGTERM', 5_000).catch(() => {})));
  }
}

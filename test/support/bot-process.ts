import { type ChildProcess, spawn } from 'node:child_process';

export interface BotProcess {
  pid: number;
  /** Resolves once the process has exited (after a kill, or on its own). */
  exited: Promise<void>;
  /** Its exit code once it has exited on its own (null while running or when killed by a signal). */
  exitCode(): number | null;
  /** Its stderr so far, for assertion messages. */
  stderr(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * `src/main.ts` in a child process (through tsx), configured only by `env`, as a deployment runs a bot replica.
 * Used with `ROLE=worker` to have real worker processes a test can SIGKILL at a chosen point.
 */
export function startBotProcess(env: Record<string, string>): BotProcess {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    pid: child.pid ?? -1,
    exited,
    exitCode: () => child.exitCode,
    stderr: () => err,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

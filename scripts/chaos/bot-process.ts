import { join } from 'node:path';
import { waitUntil } from '../../src/devtools/wait-until.js';
import type { Child, Children } from './children.js';

export const REPO = join(import.meta.dirname, '..', '..');

/** Environment every bot process of the run shares; ROLE and PORT are added per process. */
export interface BotEnv {
  SLACK_BOT_TOKEN: string;
  SLACK_SIGNING_SECRET: string;
  SLACK_API_URL: string;
  SLACK_CHANNEL: string;
  REDIS_URL: string;
  ALERTMANAGER_TOKEN: string;
  CONFIG_FILE: string;
  LOG_LEVEL: string;
}

/**
 * Starts `src/main.ts` as its own process, the way `npm run dev` does (tsx), but through `node --import tsx` so the
 * PID is the bot itself: a SIGKILL then kills the bot, not a wrapper that would leave it orphaned. Only the given
 * environment is passed (no REDIS_URL of the operator's shell leaks in).
 */
export function spawnBot(
  children: Children,
  name: string,
  role: 'web' | 'worker',
  env: BotEnv,
  port: number | undefined,
): Child {
  return children.spawn(name, process.execPath, ['--import', 'tsx', join(REPO, 'src', 'main.ts')], {
    cwd: REPO,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      ...env,
      RUNBOOKS_DIR: join(REPO, 'runbooks'),
      ROLE: role,
      KEY_PREFIX: 'rib',
      QUEUE_PREFIX: 'rib',
      ...(port === undefined ? {} : { PORT: String(port) }),
    },
  });
}

/** Waits until the web process answers /healthz. */
export async function waitForWeb(child: Child, url: string): Promise<void> {
  await waitUntil(
    async () => {
      if ((await Promise.race([child.exited, Promise.resolve('running')])) !== 'running') {
        throw new Error(`web process exited: ${child.output().slice(-2000)}`);
      }
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      return res.ok;
    },
    { what: 'the bot web process', timeoutMs: 90_000, intervalMs: 250, last: () => child.output().slice(-1000) },
  );
}

/**
 * Waits until a worker process says it started its workers. The log line is the only outside sign; if a future
 * wording change hides it, the run goes on after the timeout (the worker is then most likely up anyway).
 */
export async function waitForWorker(child: Child, timeoutMs = 60_000): Promise<boolean> {
  try {
    await waitUntil(
      async () => {
        const state = await Promise.race([child.exited, Promise.resolve('running')]);
        if (state !== 'running') throw new Error(`worker exited (${state})`);
        return /bot started|workers started|"role":"worker"/.test(child.output());
      },
      { what: `${child.name} to start`, timeoutMs, intervalMs: 200 },
    );
    return true;
  } catch {
    return false;
  }
}

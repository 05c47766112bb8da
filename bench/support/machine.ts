import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

/** What BENCH.md records about the machine a run was made on. */
export interface MachineFacts {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  redis: string;
  kernel: string;
}

export function machineFacts(): MachineFacts {
  const model = cpus()[0]?.model?.trim() || 'unknown';
  let redis = 'unknown';
  try {
    redis = /v=(\S+)/.exec(execFileSync('redis-server', ['--version']).toString())?.[1] ?? redis;
  } catch {
    // reported as unknown
  }
  let kernel = 'unknown';
  try {
    kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    // not Linux
  }
  return {
    cpu: model,
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    redis,
    kernel,
  };
}

/** `1.23 0.98 0.71` (1, 5 and 15 minutes). */
export const loadAverage = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');

/** Pins every thread of `pid` to `cpus` (e.g. `'0'`, `'1'`, `'0,1'`); false when taskset is missing or refused. */
export function pin(pid: number, cpuList: string): boolean {
  try {
    execFileSync('taskset', ['-a', '-cp', cpuList, String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The CPUs this process may run on now, e.g. `0-1`. */
export function affinity(pid = process.pid): string {
  try {
    return /: (\S+)\s*$/.exec(execFileSync('taskset', ['-cp', String(pid)]).toString())?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Whether `cmd` is on PATH. */
export function has(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Runs a command to completion and collects its stdout; `signal` stops it by its PID (SIGTERM). */
export function runCommand(
  cmd: string,
  args: string[],
  signal?: AbortSignal,
): Promise<{ out: string; err: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const kill = () => child.kill('SIGTERM');
    signal?.addEventListener('abort', kill, { once: true });
    child.once('error', reject);
    child.once('exit', (code) => {
      signal?.removeEventListener('abort', kill);
      resolve({ out, err, code });
    });
  });
}

/** Clock ticks: all CPUs' busy time, and what the given processes (and this one, with its children) used. */
function cpuTicks(pids: number[]): { busy: number; own: number } {
  const all = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = all[3]! + (all[4] ?? 0);
  const busy = all.reduce((s, n) => s + n, 0) - idle;
  const proc = (pid: number | 'self', children: boolean) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat
        .slice(stat.lastIndexOf(')') + 2)
        .split(' ')
        .map(Number);
      // Fields 14-17 of proc(5) (utime stime cutime cstime) are 11-14 here, counted after the command name.
      return f[11]! + f[12]! + (children ? f[13]! + f[14]! : 0);
    } catch {
      return 0;
    }
  };
  return { busy, own: proc('self', true) + pids.reduce((s, p) => s + proc(p, false), 0) };
}

/**
 * Runs `fn` and says how many cores processes outside this bench (this process, its waited-for children and
 * `pids`) used meanwhile, on average: the other agents sharing the machine.
 */
export async function watched<T>(pids: number[], fn: () => Promise<T>): Promise<{ value: T; foreign: number }> {
  const tick = 10; // ms: USER_HZ is 100 on Linux
  const a = cpuTicks(pids);
  const t0 = performance.now();
  const value = await fn();
  const elapsed = Math.max(1, performance.now() - t0);
  const b = cpuTicks(pids);
  return { value, foreign: Math.max(0, (b.busy - a.busy - (b.own - a.own)) * tick) / elapsed };
}

/** Resident set size of `pid` in MiB (VmRSS), or NaN when it is gone. */
export function rssMiB(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The p-th percentile (0-100) by nearest rank. */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

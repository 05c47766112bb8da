/**
 * Adaptive pacing of the key scans (largest keys, hot keys). Pure: {@link PacingController} turns readings of the
 * target's own load ({@link LoadSample}, from two `INFO` replies) into the pace of the scan's next writes. The scan
 * runs flat out while nobody else uses the node, keeps every write as short as a `redis-cli` step once other
 * clients are active, and backs off or pauses when the node's main thread is saturated. It slows down at once and
 * speeds up one level per reading, so a burst of traffic is met within one reading and a lull does not make it
 * oscillate.
 */
import { num, parseInfo } from '../kernel/info.js';

/** The paces, fastest first. `paused` sends nothing until the next reading. */
export const PACE_LEVELS = ['full', 'moderate', 'gentle', 'backoff', 'paused'] as const;
export type PaceLevel = (typeof PACE_LEVELS)[number];

/** How the scan writes until the next reading: keys per write, writes in flight, a pause after each write. */
export interface Pace {
  level: PaceLevel;
  /** Keys per write (each key costs the work's commands, e.g. TYPE + MEMORY USAGE); 0 when paused. */
  burstSize: number;
  /** Writes unanswered at once; 0 when paused. */
  inFlight: number;
  /** Pause after each write's replies, in ms (0: none). */
  gapMs: number;
  /** SCAN's COUNT hint. */
  scanCount: number;
  /**
   * Whether the next SCAN rides in a write of keys (no round trip of its own, but SCAN costs the node about as much
   * per key as the key's own commands, so it lengthens that write) or goes alone.
   */
  scanRides: boolean;
}

/** Bounds and thresholds of the controller (the scan options carry them). */
export interface PacingLimits {
  /** Keys per write at the `full` pace (default: {@link FULL_PACE_COMMANDS}' worth); no level writes more. */
  maxBurst: number;
  /** Writes in flight at the `full` pace; the other levels keep one. */
  maxInFlight: number;
  /**
   * Keys per write at the `gentle` pace: as many as keep one write (the keys' commands and the SCAN riding with them)
   * no longer for the node than the longest of a redis-cli step; the work knows its cost per key (measured with the
   * bench's INFO commandstats view: 4 keys of TYPE + MEMORY USAGE, 7 of OBJECT FREQ). `moderate` writes 4× as many,
   * `backoff` half.
   */
  gentleBurst: number;
  /** Other clients' commands per second below which the node counts as idle (`full`). */
  idleOpsPerSec: number;
  /** Other clients' commands per second from which the node counts as busy (`gentle`). */
  busyOpsPerSec: number;
  /** Share of one core the node's main thread spends (ours excluded where it can be) from which the scan backs off. */
  backoffCpu: number;
  /** The same share from which the scan pauses. */
  pauseCpu: number;
}

/**
 * Commands per write at the `full` pace, unless the caller sets `maxBurst`: ~0.5 ms of the node's time a write,
 * which only an idle node gets; fewer, longer writes cost the scanning client less CPU per key (each round trip
 * costs it ~100 µs of CPU on the bench machine, mostly the kernel's).
 */
export const FULL_PACE_COMMANDS = 192;

export const PACING_LIMIT_DEFAULTS: PacingLimits = {
  maxBurst: 96,
  maxInFlight: 2,
  gentleBurst: 4,
  idleOpsPerSec: 100,
  busyOpsPerSec: 1000,
  backoffCpu: 0.7,
  pauseCpu: 0.9,
};

/**
 * The pace of each level; the next SCAN rides in a write of keys at every level. `full`: `maxBurst` keys a write,
 * `maxInFlight` writes, and a SCAN of as many keys as fill them all (so a write is always ready to go while the
 * others are answered). `moderate`: 4 × `gentleBurst` keys, one write at a time. `gentle`: `gentleBurst` keys and a
 * SCAN of as many, one write at a time: no longer for the node than the longest of a `redis-cli` step's three round
 * trips (SCAN COUNT 10, then 10 TYPE, then 10 MEMORY USAGE), so no turn of its event loop carries more of ours than
 * of redis-cli's. `backoff`: half that, 2 ms apart.
 */
export function paceOf(
  level: PaceLevel,
  limits: Pick<PacingLimits, 'maxBurst' | 'maxInFlight'> & { gentleBurst?: number },
): Pace {
  const gentle = Math.max(1, limits.gentleBurst ?? PACING_LIMIT_DEFAULTS.gentleBurst);
  const keys = (n: number) => Math.max(1, Math.min(n, limits.maxBurst));
  const one = (burstSize: number, gapMs = 0): Pace => ({
    level,
    burstSize,
    inFlight: 1,
    gapMs,
    scanCount: burstSize,
    scanRides: true,
  });
  switch (level) {
    case 'full': {
      const burstSize = keys(limits.maxBurst);
      const inFlight = Math.max(1, limits.maxInFlight);
      return { level, burstSize, inFlight, gapMs: 0, scanCount: burstSize * inFlight, scanRides: true };
    }
    case 'moderate':
      return one(keys(gentle * 4));
    case 'gentle':
      return one(keys(gentle));
    case 'backoff':
      return one(keys(Math.floor(gentle / 2)), 2);
    case 'paused':
      return { level, burstSize: 0, inFlight: 0, gapMs: 0, scanCount: 0, scanRides: false };
  }
}

/** Cumulative counters from one `INFO stats cpu clients commandstats` reply. */
export interface LoadCounters {
  totalCommands: number;
  instantaneousOps: number;
  /** Main-thread CPU seconds (user + sys), or the whole process's where the server does not split them. */
  cpuSeconds: number | undefined;
  blockedClients: number;
  /** `cmdstat_<name>` → calls and usec. */
  commands: Map<string, { calls: number; usec: number }>;
}

/** Parses the counters the controller needs out of an INFO reply; missing fields read as 0 / undefined. */
export function parseLoadCounters(text: string): LoadCounters {
  const info = parseInfo(text);
  const commands = new Map<string, { calls: number; usec: number }>();
  for (const [field, value] of Object.entries(info)) {
    if (!field.startsWith('cmdstat_')) continue;
    const m = /calls=(\d+),usec=(\d+)/.exec(value);
    if (m) commands.set(field.slice('cmdstat_'.length), { calls: Number(m[1]), usec: Number(m[2]) });
  }
  const mainUser = num(info, 'used_cpu_user_main_thread');
  const mainSys = num(info, 'used_cpu_sys_main_thread');
  const user = num(info, 'used_cpu_user');
  const sys = num(info, 'used_cpu_sys');
  return {
    totalCommands: num(info, 'total_commands_processed') ?? 0,
    instantaneousOps: num(info, 'instantaneous_ops_per_sec') ?? 0,
    cpuSeconds:
      mainUser !== undefined && mainSys !== undefined
        ? mainUser + mainSys
        : user !== undefined && sys !== undefined
          ? user + sys
          : undefined,
    blockedClients: num(info, 'blocked_clients') ?? 0,
    commands,
  };
}

/** What the node did between two readings, the scan's own commands taken out. */
export interface LoadSample {
  windowMs: number;
  /** Commands per second other clients sent (total_commands_processed delta minus the scan's own commands). */
  foreignOpsPerSec: number;
  /** Share of one core spent executing other clients' commands (INFO commandstats usec deltas, ours removed). */
  foreignCommandCpu: number;
  /** Share of one core spent executing the scan's own commands. */
  ownCommandCpu: number;
  /** Share of one core the main thread used, the scan's part included; undefined when INFO has no CPU times. */
  mainThreadCpu: number | undefined;
  blockedClients: number;
  /** The node's own estimate (its ~1.6 s moving average, the scan's commands included): reported, not used. */
  instantaneousOps: number;
}

/**
 * The window between readings `a` and `b`, `windowMs` apart, during which the scan itself sent `ownCommands`
 * commands named `ownNames` (commandstats names such as `type`, `memory|usage`, `scan`, `info`). Other clients'
 * share of a command both sent is split by calls.
 */
export function loadSample(
  a: LoadCounters,
  b: LoadCounters,
  windowMs: number,
  own: { commands: number; calls: ReadonlyMap<string, number> },
): LoadSample {
  const seconds = Math.max(windowMs, 1) / 1000;
  let foreignUsec = 0;
  let ownUsec = 0;
  for (const [name, now] of b.commands) {
    const before = a.commands.get(name) ?? { calls: 0, usec: 0 };
    const calls = now.calls - before.calls;
    const usec = now.usec - before.usec;
    if (calls <= 0 || usec <= 0) continue;
    const ours = Math.min(calls, own.calls.get(name) ?? 0);
    foreignUsec += (usec * (calls - ours)) / calls;
    ownUsec += (usec * ours) / calls;
  }
  return {
    windowMs,
    foreignOpsPerSec: Math.max(0, b.totalCommands - a.totalCommands - own.commands) / seconds,
    foreignCommandCpu: foreignUsec / 1e6 / seconds,
    ownCommandCpu: ownUsec / 1e6 / seconds,
    mainThreadCpu:
      a.cpuSeconds !== undefined && b.cpuSeconds !== undefined
        ? Math.max(0, b.cpuSeconds - a.cpuSeconds) / seconds
        : undefined,
    blockedClients: b.blockedClients,
    instantaneousOps: b.instantaneousOps,
  };
}

const rank = (level: PaceLevel) => PACE_LEVELS.indexOf(level);

/**
 * How busy other clients kept the main thread: the larger of the time spent in their commands (exact, but blind to
 * network I/O, which dominates small commands such as GET) and the main thread's CPU less the time spent in the
 * scan's own commands (which still counts the I/O of the scan's writes, a small share since each carries many
 * commands).
 */
export function foreignCpu(s: LoadSample): number {
  return Math.max(s.foreignCommandCpu, (s.mainThreadCpu ?? 0) - s.ownCommandCpu);
}

/** The level a window's load calls for, with the reason. */
export function levelFor(s: LoadSample, limits: PacingLimits): { level: PaceLevel; reason: string } {
  const cpu = foreignCpu(s);
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  const ops = `${Math.round(s.foreignOpsPerSec)} ops/s from other clients`;
  if (cpu >= limits.pauseCpu) return { level: 'paused', reason: `main thread ${pct(cpu)} busy with other clients` };
  if (cpu >= limits.backoffCpu) return { level: 'backoff', reason: `main thread ${pct(cpu)} busy with other clients` };
  if (s.foreignOpsPerSec >= limits.busyOpsPerSec) return { level: 'gentle', reason: ops };
  if (s.foreignOpsPerSec >= limits.idleOpsPerSec) return { level: 'moderate', reason: ops };
  return { level: 'full', reason: `idle (${ops})` };
}

/** One decision of the controller. */
export interface PaceDecision {
  pace: Pace;
  /** Against the previous pace. */
  change: 'slower' | 'faster' | 'same';
  reason: string;
}

/**
 * Feeds readings in, gets paces out. Starts at `start` (gentle: the load is unknown until the first window);
 * the first reading may jump straight to the pace it calls for, later ones speed up one level at a time and slow
 * down at once. A failed or timed-out reading pauses until the next one (a node that cannot answer INFO quickly
 * should not get our bursts). While `blocked_clients` is above what it was at the first reading the scan does not
 * speed up.
 */
export class PacingController {
  private current: PaceLevel;
  private readings = 0;
  private blockedAtStart: number | undefined;

  constructor(
    private readonly limits: PacingLimits,
    start: PaceLevel = 'gentle',
  ) {
    this.current = start;
  }

  get pace(): Pace {
    return paceOf(this.current, this.limits);
  }

  /** The decision after a window that ended with `sample`, or with a failed reading (`undefined`). */
  next(sample: LoadSample | undefined): PaceDecision {
    const before = this.current;
    let wanted: PaceLevel;
    let reason: string;
    if (!sample) {
      wanted = 'paused';
      reason = 'load reading failed or timed out';
    } else {
      ({ level: wanted, reason } = levelFor(sample, this.limits));
      this.blockedAtStart ??= sample.blockedClients;
      if (rank(wanted) < rank(before) && sample.blockedClients > this.blockedAtStart) {
        wanted = before;
        reason = `${sample.blockedClients} blocked clients (${this.blockedAtStart} at the start): holding the pace`;
      }
    }
    this.readings++;
    const first = this.readings === 1;
    let next = wanted;
    if (rank(wanted) < rank(before) && !first) next = PACE_LEVELS[rank(before) - 1]!;
    this.current = next;
    return {
      pace: this.pace,
      change: rank(next) > rank(before) ? 'slower' : rank(next) < rank(before) ? 'faster' : 'same',
      reason,
    };
  }
}

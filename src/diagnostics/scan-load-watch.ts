import { AppError, errorMessage } from '../kernel/errors.js';
import { withTimeout } from '../kernel/timeout.js';
import {
  foreignCpu,
  type LoadCounters,
  loadSample,
  PACE_LEVELS,
  type Pace,
  type PaceLevel,
  PacingController,
  type PacingLimits,
  paceOf,
  parseLoadCounters,
} from './scan-pacing.js';
import type { ScanPipeline } from './scan-pipeline.js';
import type { Transport } from './scan-transport.js';

/** How an adaptive scan paced itself: what `npm run bench` and the scan-pace metric read. */
export interface PaceReport {
  mode: 'adaptive' | 'fixed';
  /** Load readings (INFO) made, and those that failed or timed out (each pauses the scan until the next). */
  readings: number;
  failedReadings: number;
  slowdowns: number;
  speedups: number;
  /** Time spent and keys sent at each pace (a fixed scan counts everything as `full`). */
  msAt: Record<PaceLevel, number>;
  keysAt: Record<PaceLevel, number>;
  /** The most keys one write carried while the pace was slower than `full` (other clients active); 0 if never. */
  largestBusyWrite: number;
  /** Highest figures of any window (adaptive only). */
  peakForeignOpsPerSec: number;
  /** Other clients' share of the main thread (see {@link foreignCpu}), and the main thread's, ours included. */
  peakForeignCpu: number;
  peakMainThreadCpu: number;
  /** The pace at the end, and why it was chosen. */
  last: PaceLevel;
  lastReason: string;
  /** The last {@link TRACE_LENGTH} decisions: when (ms into the scan), what the window showed, the pace chosen. */
  trace: PaceTraceEntry[];
}

/** One reading and the decision it led to. CPU figures are shares of one core, rounded to 0.01. */
export interface PaceTraceEntry {
  atMs: number;
  foreignOpsPerSec: number;
  foreignCpu: number;
  mainThreadCpu: number | null;
  level: PaceLevel;
  reason: string;
}

export const TRACE_LENGTH = 100;

const perLevel = (): Record<PaceLevel, number> =>
  Object.fromEntries(PACE_LEVELS.map((l) => [l, 0])) as Record<PaceLevel, number>;

/** A report for a scan that did not adapt: one fixed pace throughout. */
export function fixedPaceReport(keys: number, ms: number, largestWrite: number): PaceReport {
  const msAt = perLevel();
  const keysAt = perLevel();
  msAt.full = Math.round(ms);
  keysAt.full = keys;
  return {
    mode: 'fixed',
    readings: 0,
    failedReadings: 0,
    slowdowns: 0,
    speedups: 0,
    msAt,
    keysAt,
    largestBusyWrite: largestWrite,
    peakForeignOpsPerSec: 0,
    peakForeignCpu: 0,
    peakMainThreadCpu: 0,
    last: 'full',
    lastReason: 'fixed pacing',
    trace: [],
  };
}

/** When and how long the readings are. */
export interface LoadWatchOptions {
  /** A reading at most every this many ms (the first window is shorter: min(50, this)). */
  loadReadMs: number;
  /** A reading that takes longer counts as failed (the node is too busy to answer INFO promptly). */
  loadTimeoutMs: number;
}

/**
 * Reads the node's load during an adaptive scan and keeps {@link pace} current: one `INFO stats cpu clients
 * commandstats` at a time, in band on the scan's own connection (so the commands written before it are exactly the
 * scan's share of the node's count), at most every `loadReadMs`, each under `loadTimeoutMs`.
 */
export class LoadWatch {
  private readonly controller: PacingController;
  private previous: { counters: LoadCounters; at: number; commands: number; calls: Map<string, number> } | undefined;
  private reading: Promise<void> | undefined;
  private nextAt = 0;
  /** Set when the node refused a reading: the scan then stays at the gentle pace. */
  private disabled = false;
  private readonly started = performance.now();
  private levelSince = this.started;
  private current: Pace;
  private readonly r: PaceReport;

  constructor(
    private readonly pipe: ScanPipeline,
    private readonly transport: Transport,
    private readonly limits: PacingLimits,
    private readonly o: LoadWatchOptions,
  ) {
    this.controller = new PacingController(limits);
    this.current = this.controller.pace;
    this.r = {
      ...fixedPaceReport(0, 0, 0),
      mode: 'adaptive',
      largestBusyWrite: 0,
      last: this.current.level,
      lastReason: 'start: load not read yet',
    };
    this.r.keysAt.full = 0;
  }

  get pace(): Pace {
    return this.current;
  }

  /** Starts a reading when one is due and none is under way. */
  tick(now = performance.now()): void {
    if (this.reading || this.disabled || now < this.nextAt) return;
    this.reading = this.read().finally(() => {
      this.reading = undefined;
    });
  }

  /** While paused: waits for the next reading (starting it when due), or until `signal` aborts. */
  async nextDecision(signal: AbortSignal | undefined): Promise<void> {
    if (this.disabled) return;
    if (!this.reading) await sleep(this.nextAt - performance.now(), signal);
    if (signal?.aborted) return;
    this.tick(Number.POSITIVE_INFINITY);
    await this.reading;
  }

  /** Notes a write of `keys` keys at the current pace. */
  wrote(keys: number): void {
    this.r.keysAt[this.current.level] += keys;
    if (this.current.level !== 'full') this.r.largestBusyWrite = Math.max(this.r.largestBusyWrite, keys);
  }

  /** Waits for a reading under way (its reply must be in before the connection closes) and closes the books. */
  async finish(): Promise<PaceReport> {
    await this.reading;
    this.r.msAt[this.current.level] += performance.now() - this.levelSince;
    for (const l of PACE_LEVELS) this.r.msAt[l] = Math.round(this.r.msAt[l]);
    this.r.peakMainThreadCpu = Math.round(this.r.peakMainThreadCpu * 100) / 100;
    this.r.peakForeignCpu = Math.round(this.r.peakForeignCpu * 100) / 100;
    this.r.peakForeignOpsPerSec = Math.round(this.r.peakForeignOpsPerSec);
    return this.r;
  }

  private async read(): Promise<void> {
    const { pipe } = this;
    const commands = pipe.commandsSent;
    const calls = new Map(pipe.callsSent);
    pipe.countCommand('info');
    let text: string;
    try {
      text = await withTimeout(this.transport.info(), this.o.loadTimeoutMs, 'load reading (INFO)');
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'TIMEOUT')) {
        // INFO refused (an ACL, a renamed command) or the connection failed: no readings, and without them the scan
        // cannot tell an idle node from a busy one, so it keeps to the pace that is safe for a busy one.
        this.disabled = true;
        this.apply({
          pace: paceOf('gentle', this.limits),
          change: 'same',
          reason: `no load readings (${errorMessage(err)})`,
        });
        return;
      }
      this.r.readings++;
      this.r.failedReadings++;
      // The next reading starts a new window: this one has no end to measure from.
      this.previous = undefined;
      this.apply(this.controller.next(undefined));
      this.nextAt = performance.now() + this.o.loadReadMs;
      return;
    }
    const at = performance.now();
    const counters = parseLoadCounters(text);
    this.r.readings++;
    const prev = this.previous;
    if (prev) {
      const own = new Map<string, number>();
      for (const [name, n] of calls) own.set(name, n - (prev.calls.get(name) ?? 0));
      const sample = loadSample(prev.counters, counters, at - prev.at, {
        commands: commands - prev.commands,
        calls: own,
      });
      this.r.peakForeignOpsPerSec = Math.max(this.r.peakForeignOpsPerSec, sample.foreignOpsPerSec);
      this.r.peakMainThreadCpu = Math.max(this.r.peakMainThreadCpu, sample.mainThreadCpu ?? 0);
      this.r.peakForeignCpu = Math.max(this.r.peakForeignCpu, foreignCpu(sample));
      const d = this.controller.next(sample);
      this.apply(d);
      const r2 = (x: number) => Math.round(x * 100) / 100;
      this.r.trace.push({
        atMs: Math.round(at - this.started),
        foreignOpsPerSec: Math.round(sample.foreignOpsPerSec),
        foreignCpu: r2(foreignCpu(sample)),
        mainThreadCpu: sample.mainThreadCpu === undefined ? null : r2(sample.mainThreadCpu),
        level: d.pace.level,
        reason: d.reason,
      });
      if (this.r.trace.length > TRACE_LENGTH) this.r.trace.shift();
    }
    this.previous = { counters, at, commands, calls };
    this.nextAt = at + (prev ? this.o.loadReadMs : Math.min(50, this.o.loadReadMs));
  }

  private apply(d: ReturnType<PacingController['next']>): void {
    if (d.change === 'slower') this.r.slowdowns++;
    if (d.change === 'faster') this.r.speedups++;
    if (d.pace.level !== this.current.level) {
      const now = performance.now();
      this.r.msAt[this.current.level] += now - this.levelSince;
      this.levelSince = now;
    }
    this.current = d.pace;
    this.r.last = d.pace.level;
    this.r.lastReason = d.reason;
  }
}

/** Resolves after `ms` (at once for ms ≤ 0), or as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

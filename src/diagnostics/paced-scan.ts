import type { Redis } from 'ioredis';
import { z } from 'zod';
import { fixedPaceReport, LoadWatch, type PaceReport, sleep } from './scan-load-watch.js';
import { FULL_PACE_COMMANDS, PACING_LIMIT_DEFAULTS, type Pace } from './scan-pacing.js';
import { ScanPipeline } from './scan-pipeline.js';
import { type KeyWork, openTransport } from './scan-transport.js';

/** Fixed-pace defaults (`pacing: 'fixed'`), as tuned before the scans adapted. */
export const FIXED_PACE_DEFAULTS = { batchSize: 16, burstSize: 16, inFlight: 1 } as const;

/**
 * The pacing options both key scans share (largest keys, hot keys). With `pacing: 'adaptive'` (the default) the
 * scan reads the node's load every `loadReadMs` and picks its pace from it (see {@link PacingController}):
 * `burstSize` / `inFlight` then cap the fastest pace (default 192 commands per write, 96 keys of the largest-keys
 * scan, 2 in flight, while the node is idle), and SCAN's COUNT follows the pace. With `pacing: 'fixed'` it writes `burstSize` keys per write with
 * `inFlight` writes (16 / 1) and SCAN COUNT `batchSize` (16) throughout. Either way a duty cycle
 * (`workMs`/`pauseMs`) may be added, and the key and time budgets and the signal stop it.
 */
export const PacingOptionsSchema = z.object({
  pacing: z.enum(['adaptive', 'fixed']).default('adaptive'),
  /** SCAN COUNT hint with fixed pacing (adaptive pacing asks for as many keys as its pace writes at once). */
  batchSize: z.number().int().min(1).max(10_000).default(FIXED_PACE_DEFAULTS.batchSize),
  /** Keys per write: fixed pacing's pace, adaptive pacing's most (its `full` pace). */
  burstSize: z.number().int().min(1).max(10_000).optional(),
  /** Writes in flight at once: fixed pacing's, adaptive pacing's most. */
  inFlight: z.number().int().min(1).max(16).optional(),
  /** Duty cycle, with `pauseMs`: after `workMs` of writes, let the replies arrive and pause `pauseMs`. */
  workMs: z.number().min(0).max(60_000).default(100),
  /** Length in ms of each duty-cycle pause; 0 (the default) never pauses. */
  pauseMs: z.number().min(0).max(10_000).default(0),
  /** Adaptive: a load reading (INFO stats cpu clients commandstats) at most every this many ms. */
  loadReadMs: z.number().int().min(10).max(10_000).default(250),
  /** Adaptive: a reading slower than this counts as failed and pauses the scan until the next one. */
  loadTimeoutMs: z.number().int().min(10).max(10_000).default(1_000),
  /** Adaptive: other clients' commands per second below which the node counts as idle. */
  idleOpsPerSec: z.number().min(0).default(PACING_LIMIT_DEFAULTS.idleOpsPerSec),
  /** Adaptive: other clients' commands per second from which writes stay as short as a redis-cli step. */
  busyOpsPerSec: z.number().min(0).default(PACING_LIMIT_DEFAULTS.busyOpsPerSec),
  /** Adaptive: main-thread CPU share (0-1) from which the scan backs off (2 keys a write, 2 ms apart). */
  backoffCpu: z.number().min(0).max(64).default(PACING_LIMIT_DEFAULTS.backoffCpu),
  /** Adaptive: main-thread CPU share (0-1) from which the scan pauses until a reading says otherwise. */
  pauseCpu: z.number().min(0).max(64).default(PACING_LIMIT_DEFAULTS.pauseCpu),
  /** Key budget: stop after this many keys and report the scan as incomplete. */
  maxKeys: z.number().int().min(1).default(1_000_000),
  /** Time budget in ms: stop before the first write past it and report the scan as incomplete. */
  maxDurationMs: z.number().int().min(1).default(120_000),
  /** Optional SCAN MATCH glob, e.g. `session:*`; the budgets still count every key SCAN returns. */
  match: z.string().min(1).optional(),
  /**
   * `dedicated`: a second, bare RESP connection (see {@link RespConnection}: ~6x less client CPU, and the bot's
   * own connection is not held up by the batches); `client`: pipelines on the given ioredis client; `auto`:
   * dedicated, falling back to client when the second connection cannot be opened (e.g. maxclients reached).
   */
  transport: z.enum(['auto', 'dedicated', 'client']).default('auto'),
  /** Aborting stops the scan between writes; the partial result is returned, not thrown. */
  signal: z.instanceof(AbortSignal).optional(),
});
export type PacingOptions = z.output<typeof PacingOptionsSchema>;

/** Why a scan ended before SCAN's cursor came back to 0. */
export type StopReason = 'maxKeys' | 'maxDurationMs' | 'aborted';

/** What {@link runPacedScan} returns; the work holds the figures. */
export interface PacedScanResult {
  /** Keys returned by SCAN whose commands were answered (counts against `maxKeys`). */
  keysScanned: number;
  /** Keys deleted or expired between SCAN and their commands; left out of every figure. */
  keysVanished: number;
  durationMs: number;
  complete: boolean;
  stoppedBy: StopReason | null;
  /** How the writes were sent, and why `auto` fell back to the client's pipeline, if it did. */
  transport: { used: 'dedicated' | 'client'; fallbackReason?: string };
  /** SCAN calls made. */
  batches: number;
  /** Pauses: duty-cycle ones, and adaptive ones (waiting for a reading while the node was saturated). */
  pauses: number;
  /** The most keys one write carried. */
  largestWrite: number;
  pace: PaceReport;
}

/**
 * Walks the keyspace with `SCAN cursor [MATCH p] COUNT n` (never KEYS) and sends `work`'s commands for the keys in
 * paced writes, the next SCAN riding in a write; see {@link PacingOptionsSchema} for the pacing. Stops at the key
 * or time budget, or on abort, and says so in `stoppedBy`.
 */
export async function runPacedScan(
  client: Redis,
  work: KeyWork,
  o: PacingOptions & { connectionName: string },
): Promise<PacedScanResult> {
  const started = performance.now();
  const { transport, info } = await openTransport(client, work, o);
  const pipe = new ScanPipeline(transport, work, o);
  const adaptive = o.pacing === 'adaptive';
  const watch = adaptive
    ? new LoadWatch(
        pipe,
        transport,
        {
          ...PACING_LIMIT_DEFAULTS,
          gentleBurst: work.gentleBurst,
          maxBurst: o.burstSize ?? Math.max(1, Math.round(FULL_PACE_COMMANDS / work.perKey)),
          maxInFlight: o.inFlight ?? PACING_LIMIT_DEFAULTS.maxInFlight,
          idleOpsPerSec: o.idleOpsPerSec,
          busyOpsPerSec: o.busyOpsPerSec,
          backoffCpu: o.backoffCpu,
          pauseCpu: o.pauseCpu,
        },
        o,
      )
    : undefined;
  const fixed: Pace = {
    level: 'full',
    burstSize: o.burstSize ?? FIXED_PACE_DEFAULTS.burstSize,
    inFlight: o.inFlight ?? FIXED_PACE_DEFAULTS.inFlight,
    gapMs: 0,
    scanCount: o.batchSize,
    scanRides: true,
  };
  let run: { stoppedBy: StopReason | null; pauses: number };
  let pace: PaceReport;
  try {
    run = await writePaced(pipe, watch, fixed, { ...o, started });
    await Promise.all(pipe.inFlight);
    pace = watch ? await watch.finish() : fixedPaceReport(pipe.keysScanned, performance.now() - started, 0);
    if (pipe.failure) throw pipe.failure.err;
    if (!run.stoppedBy && pipe.keysScanned >= o.maxKeys && pipe.keysLeft) run.stoppedBy = 'maxKeys';
  } finally {
    transport.close();
  }
  if (!adaptive) pace.largestBusyWrite = pipe.largestWrite;
  return {
    keysScanned: pipe.keysScanned,
    keysVanished: pipe.keysVanished,
    durationMs: Math.round(performance.now() - started),
    complete: run.stoppedBy === null,
    stoppedBy: run.stoppedBy,
    transport: info,
    batches: pipe.batches,
    pauses: run.pauses,
    largestWrite: pipe.largestWrite,
    pace,
  };
}

/**
 * Keeps up to the pace's writes in flight until the keys run out, a write fails, or a budget or the signal stops
 * the scan. Adaptive: starts load readings when due, pauses while the pace says so, waits `gapMs` after each write
 * when the pace asks for it. Either way, after every `workMs` of writing it lets the writes in flight finish and
 * pauses `pauseMs` (when set). Returns with writes possibly still in flight.
 */
async function writePaced(
  pipe: ScanPipeline,
  watch: LoadWatch | undefined,
  fixed: Pace,
  o: PacingOptions & { started: number },
): Promise<{ stoppedBy: StopReason | null; pauses: number }> {
  const { signal } = o;
  let pauses = 0;
  let sliceStarted = performance.now();
  let writes = 0;
  let rested = false;
  const stop = (): StopReason | null =>
    signal?.aborted ? 'aborted' : performance.now() - o.started >= o.maxDurationMs ? 'maxDurationMs' : null;
  while (!pipe.failure) {
    watch?.tick();
    const pace = watch?.pace ?? fixed;
    if (pace.inFlight === 0) {
      // Paused: let what is in flight land, then wait for the next reading (the budgets still apply).
      if (pipe.inFlight.size > 0) {
        await Promise.race(pipe.inFlight);
        continue;
      }
      if (!pipe.keysLeft) break;
      const why = stop();
      if (why) return { stoppedBy: why, pauses };
      pauses++;
      await watch?.nextDecision(signal);
      continue;
    }
    const plan =
      pipe.inFlight.size < pace.inFlight ? pipe.nextWrite(pace.burstSize, pace.inFlight, pace.scanRides) : undefined;
    if (plan) {
      const why = stop();
      if (why) return { stoppedBy: why, pauses };
      if (!rested && writes > 0 && o.pauseMs > 0 && performance.now() - sliceStarted >= o.workMs) {
        // Duty cycle: let what is in flight finish, then leave the server (and the CPU) alone for a while, then
        // plan again (replies may have brought keys meanwhile) and check the budgets again.
        await Promise.all(pipe.inFlight);
        await sleep(o.pauseMs, signal);
        pauses++;
        rested = true;
        sliceStarted = performance.now();
        continue;
      }
      writes++;
      rested = false;
      pipe.send(plan, pace.scanCount);
      watch?.wrote(plan.take);
      if (pace.gapMs > 0) {
        await Promise.all(pipe.inFlight);
        await sleep(pace.gapMs, signal);
      }
      continue;
    }
    if (pipe.inFlight.size === 0) break;
    await Promise.race(pipe.inFlight);
  }
  return { stoppedBy: null, pauses };
}

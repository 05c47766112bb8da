import type { Redis } from 'ioredis';
import { z } from 'zod';
import { SizingPipeline } from './largest-keys-pipeline.js';
import { KeyTally, type TallySummary } from './largest-keys-tally.js';
import { openTransport } from './largest-keys-transport.js';

export {
  type KeySize,
  keyPrefix,
  MAX_TRACKED_PREFIXES,
  type PrefixStat,
  type TypeStat,
} from './largest-keys-tally.js';

/** The pacing defaults, in one place so the bench and the docs can name them. */
export const PACING_DEFAULTS = { batchSize: 16, burstSize: 16, inFlight: 1, workMs: 100, pauseMs: 0 } as const;

/**
 * Options of the bounded largest-keys scan.
 *
 * Pacing was measured with `npm run bench` (200k mixed keys; redis-server, the scanner and a 10-client
 * `redis-benchmark` GET load sharing one 2-core VM). Every key costs the server the same SCAN + TYPE + MEMORY USAGE
 * work whatever the pacing, and the GET p99 rise grew with the scan's key rate for every pacing tried (8 to 32
 * keys per write, 1 or 2 writes in flight, duty-cycle pauses). The defaults make far fewer round trips than
 * redis-cli (16 keys per write, the next SCAN in the same write) and finish in ~0.38× its time, but raise GET p99
 * 3-4× more than redis-cli does (+0.17 to +0.27 ms against +0.06 to +0.07 ms). No setting tried matched
 * redis-cli's rise, not even at its pace (5 keys per write: +0.12 ms). On a busy production node, trade wall time
 * for latency with a smaller `burstSize` and/or `pauseMs`.
 */
export const LargestKeysOptionsSchema = z.object({
  /**
   * SCAN COUNT hint: how many hash-table slots one SCAN visits, so roughly how many keys it returns. The next SCAN
   * rides in a sizing write, so it costs no round trip, but its ~1 µs of server time per key lengthens that write's
   * burst: keep it near `burstSize`. Bigger pages save little, since SCAN's cost is per key, not per call.
   */
  batchSize: z.number().int().min(1).max(10_000).default(PACING_DEFAULTS.batchSize),
  /**
   * Keys sized per write: `TYPE` + `MEMORY USAGE` of up to this many keys go out as one write, which Redis runs in
   * one go before serving other clients (~3 µs of server time per key, plus the write's own cost). redis-cli sends
   * 10 commands per round trip; the default sends up to 32, plus a SCAN. Bigger bursts mean fewer round trips, so a
   * faster scan and less CPU on both sides, but a higher GET p99 meanwhile. On the bench: 5 keys, redis-cli's pace
   * and +0.12 ms; 16 keys, 0.38× and +0.17-0.27 ms; 24 keys, 0.3× and +0.28 ms; a naive 1000 keys per write,
   * 0.14× and +1.9 ms (redis-cli: +0.06 ms).
   */
  burstSize: z.number().int().min(1).max(10_000).default(PACING_DEFAULTS.burstSize),
  /**
   * Writes in flight at once. 1: the next write leaves when the previous replies are in, so the server serves
   * other clients for a whole round trip between our bursts. 2 hides the round trip (the scan then runs at the
   * server's pace, which helps most across a slow network), but nearly every turn of the server's event loop then
   * carries a burst of ours; on the bench (loopback) it was no faster than 16 keys per write with 1 in flight, and
   * its p99 rise no lower. Above 2 the server reads several bursts in one go.
   */
  inFlight: z.number().int().min(1).max(16).default(PACING_DEFAULTS.inFlight),
  /**
   * Duty cycle, with `pauseMs`: after `workMs` of back-to-back writes the scan lets the replies in flight arrive,
   * then pauses `pauseMs`. 0 pauses before every write (slowest: timers fire no sooner than ~1 ms).
   */
  workMs: z.number().min(0).max(60_000).default(PACING_DEFAULTS.workMs),
  /**
   * Length in ms of each duty-cycle pause; 0 (the default) never pauses. Pausing lowers the scan's average key rate,
   * and with it the load it puts on the server, in proportion: `workMs: 100, pauseMs: 100` about halves both. It
   * does not shorten bursts, and on the bench it did no better than smaller bursts of the same wall time.
   */
  pauseMs: z.number().min(0).max(10_000).default(PACING_DEFAULTS.pauseMs),
  /** How many keys to keep in `topKeys`, and how many prefixes in `byPrefix`. */
  top: z.number().int().min(1).max(1_000).default(10),
  /** `MEMORY USAGE … SAMPLES n`: nested values sampled per key. 5 is Redis's and redis-cli's default. */
  samples: z.number().int().min(1).max(1_000).default(5),
  /** Separator of key segments used to group keys by prefix. */
  prefixDelimiter: z.string().min(1).max(16).default(':'),
  /** Segments kept in a prefix: 1 turns `user:123:cart` into `user:*`, 2 into `user:123:*`. */
  prefixDepth: z.number().int().min(1).max(16).default(1),
  /** Key budget: stop after sizing this many keys and report the scan as incomplete. */
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
  /** Aborting stops the scan between bursts; the partial report is returned, not thrown. */
  signal: z.instanceof(AbortSignal).optional(),
});

/** What callers pass: every field is optional. */
export type LargestKeysOptions = z.input<typeof LargestKeysOptionsSchema>;
/** The options after defaults were applied. */
export type ResolvedLargestKeysOptions = z.output<typeof LargestKeysOptionsSchema>;

/** Why a scan ended before SCAN's cursor came back to 0. */
export type StopReason = 'maxKeys' | 'maxDurationMs' | 'aborted';

/** Result of {@link scanLargestKeys}. With `complete: false` the figures cover only the keys seen so far. */
export interface LargestKeysReport extends TallySummary {
  /** Keys returned by SCAN and sent to TYPE / MEMORY USAGE (counts against `maxKeys`). */
  keysScanned: number;
  /** Keys that were deleted or expired between SCAN and MEMORY USAGE; left out of every figure. */
  keysVanished: number;
  durationMs: number;
  complete: boolean;
  stoppedBy: StopReason | null;
  /** How the batches were sent, and why `auto` fell back to the client's pipeline, if it did. */
  transport: { used: 'dedicated' | 'client'; fallbackReason?: string };
  /** SCAN calls made. */
  batches: number;
  pauses: number;
  options: Omit<ResolvedLargestKeysOptions, 'signal'>;
}

/** Resolves after `ms`, or at once when `signal` aborts (the loop then sees `aborted` and stops). */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
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

/**
 * Finds the biggest keys of a Redis node without blocking it. `SCAN cursor [MATCH p] COUNT batchSize` pages through
 * the keyspace; the keys are sized in writes of up to `burstSize` keys (`TYPE key` + `MEMORY USAGE key SAMPLES n`),
 * at most `inFlight` writes unanswered, and each next SCAN rides in a sizing write. After every `workMs` of that the
 * scan pauses `pauseMs`, if set. Never sends KEYS. Stops at the key or time budget, or on abort, and says so in
 * `stoppedBy`. Keys that vanish mid-scan are skipped.
 *
 * Like `redis-cli --memkeys` it may see a key twice or miss keys written during the scan (SCAN's guarantees);
 * duplicates are removed from `topKeys` but may be counted twice in the aggregates.
 */
export async function scanLargestKeys(client: Redis, opts: LargestKeysOptions = {}): Promise<LargestKeysReport> {
  const { signal, ...options } = LargestKeysOptionsSchema.parse(opts);
  const started = performance.now();
  const tally = new KeyTally(options);
  const { transport, info } = await openTransport(client, options);
  const pipe = new SizingPipeline(transport, tally, options);
  let run: { stoppedBy: StopReason | null; pauses: number };
  try {
    run = await writePaced(pipe, { ...options, started, signal });
    await Promise.all(pipe.inFlight);
    if (pipe.failure) throw pipe.failure.err;
    if (!run.stoppedBy && pipe.keysScanned >= options.maxKeys && pipe.keysLeft) run.stoppedBy = 'maxKeys';
  } finally {
    transport.close();
  }
  const durationMs = Math.round(performance.now() - started);
  const summary = tally.summary();
  return {
    keysScanned: pipe.keysScanned,
    keysVanished: pipe.keysVanished,
    totalBytes: summary.totalBytes,
    durationMs,
    complete: run.stoppedBy === null,
    stoppedBy: run.stoppedBy,
    topKeys: summary.topKeys,
    biggestByType: summary.biggestByType,
    byType: summary.byType,
    byPrefix: summary.byPrefix,
    prefixOverflow: summary.prefixOverflow,
    transport: info,
    batches: pipe.batches,
    pauses: run.pauses,
    options,
  };
}

/**
 * Keeps up to `inFlight` writes going until the keys run out, a write fails, or a budget or the signal stops the
 * scan; after every `workMs` of writing it lets the writes in flight finish and pauses `pauseMs` (when set).
 * Returns with writes possibly still in flight.
 */
async function writePaced(
  pipe: SizingPipeline,
  o: Pick<ResolvedLargestKeysOptions, 'inFlight' | 'pauseMs' | 'workMs' | 'maxDurationMs'> & {
    started: number;
    signal: AbortSignal | undefined;
  },
): Promise<{ stoppedBy: StopReason | null; pauses: number }> {
  let stoppedBy: StopReason | null = null;
  let pauses = 0;
  let sliceStarted = performance.now();
  let writes = 0;
  let rested = false;
  while (!pipe.failure) {
    while (!stoppedBy && !pipe.failure && pipe.inFlight.size < o.inFlight) {
      const plan = pipe.nextWrite();
      if (!plan) break;
      if (o.signal?.aborted) stoppedBy = 'aborted';
      else if (performance.now() - o.started >= o.maxDurationMs) stoppedBy = 'maxDurationMs';
      else if (!rested && writes > 0 && o.pauseMs > 0 && performance.now() - sliceStarted >= o.workMs) {
        // Duty cycle: let what is in flight finish, then leave the server (and the CPU) alone for a while, then
        // plan again (replies may have brought keys meanwhile) and check the budgets again.
        await Promise.all(pipe.inFlight);
        await pause(o.pauseMs, o.signal);
        pauses++;
        rested = true;
        sliceStarted = performance.now();
      } else {
        writes++;
        rested = false;
        pipe.send(plan);
      }
    }
    if (pipe.inFlight.size === 0) break;
    await Promise.race(pipe.inFlight);
  }
  return { stoppedBy, pauses };
}

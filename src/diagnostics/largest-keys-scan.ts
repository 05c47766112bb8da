import type { Redis } from 'ioredis';
import { z } from 'zod';
import { type KeySize, keyPrefix, MAX_TRACKED_PREFIXES, OTHER_PREFIX, TopKeys } from './largest-keys-tally.js';
import { openTransport } from './largest-keys-transport.js';

export { type KeySize, keyPrefix, MAX_TRACKED_PREFIXES } from './largest-keys-tally.js';

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

/** Aggregate for one Redis type, like the per-type lines of `redis-cli --memkeys`. */
export interface TypeStat {
  type: string;
  keys: number;
  bytes: number;
}

/** Aggregate for one key prefix. `sharePct` is the share of all sampled bytes, one decimal. */
export interface PrefixStat {
  prefix: string;
  keys: number;
  bytes: number;
  sharePct: number;
}

/** Why a scan ended before SCAN's cursor came back to 0. */
export type StopReason = 'maxKeys' | 'maxDurationMs' | 'aborted';

/** Result of {@link scanLargestKeys}. With `complete: false` the figures cover only the keys seen so far. */
export interface LargestKeysReport {
  /** Keys returned by SCAN and sent to TYPE / MEMORY USAGE (counts against `maxKeys`). */
  keysScanned: number;
  /** Keys that were deleted or expired between SCAN and MEMORY USAGE; left out of every figure. */
  keysVanished: number;
  totalBytes: number;
  durationMs: number;
  complete: boolean;
  stoppedBy: StopReason | null;
  /** Biggest keys first, at most `top`. */
  topKeys: KeySize[];
  /** The single biggest key of each type, biggest first. */
  biggestByType: KeySize[];
  byType: TypeStat[];
  /** Prefixes holding the most bytes first, at most `top`. */
  byPrefix: PrefixStat[];
  /** True when more than {@link MAX_TRACKED_PREFIXES} prefixes were seen and the rest went to `(other)`. */
  prefixOverflow: boolean;
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
  const { burstSize, inFlight: depth, pauseMs, workMs, prefixDelimiter, prefixDepth, maxKeys, maxDurationMs } = options;
  const started = performance.now();
  const top = new TopKeys(options.top);
  const types = new Map<string, TypeStat & { biggest: KeySize }>();
  const prefixes = new Map<string, { keys: number; bytes: number }>();
  let prefixOverflow = false;
  let keysScanned = 0;
  let keysVanished = 0;
  let totalBytes = 0;
  let batches = 0;
  let pauses = 0;
  let stoppedBy: StopReason | null = null;

  const record = (key: string, type: string, bytes: number) => {
    totalBytes += bytes;
    const entry = { key, type, bytes };
    top.offer(entry);
    const t = types.get(type);
    if (!t) types.set(type, { type, keys: 1, bytes, biggest: entry });
    else {
      t.keys++;
      t.bytes += bytes;
      // Strictly greater, as redis-cli does, so ties keep the first key met in SCAN order.
      if (bytes > t.biggest.bytes) t.biggest = entry;
    }
    let prefix = keyPrefix(key, prefixDelimiter, prefixDepth);
    let p = prefixes.get(prefix);
    if (!p && prefixes.size >= MAX_TRACKED_PREFIXES) {
      prefixOverflow = true;
      prefix = OTHER_PREFIX;
      p = prefixes.get(prefix);
    }
    if (!p) prefixes.set(prefix, { keys: 1, bytes });
    else {
      p.keys++;
      p.bytes += bytes;
    }
  };

  const { transport, info } = await openTransport(client, options);
  /** Keys SCAN returned that are not sized yet, in SCAN order. */
  const queue: string[] = [];
  let cursor = '0';
  let scanDone = false;
  let scanning = false;
  /** Keys written for sizing whose replies have not arrived yet. */
  let sizing = 0;
  const inFlight = new Set<Promise<void>>();
  let failure: { err: unknown } | undefined;
  const track = (write: Promise<void>) => {
    const settled: Promise<void> = write.then(
      () => void inFlight.delete(settled),
      (err: unknown) => {
        failure ??= { err };
        inFlight.delete(settled);
      },
    );
    inFlight.add(settled);
  };
  const scanWanted = () => !scanDone && !scanning && keysScanned + sizing + queue.length < maxKeys;

  const takePage = ([next, found]: [string, string[]]) => {
    scanning = false;
    cursor = next;
    scanDone = next === '0';
    for (const key of found) queue.push(key);
  };

  /**
   * What to write next, or undefined to wait for replies first: how many queued keys to size, and whether the next
   * SCAN goes in the same write. A write sizes up to `burstSize` keys and carries the next SCAN once the keys in hand
   * no longer fill every write slot, so a SCAN costs no round trip of its own; a write sizes fewer keys only when it
   * carries the SCAN or no more keys are coming. Pure: {@link launch} makes the write.
   */
  const nextWrite = (): { take: number; scan: boolean } | undefined => {
    const budget = maxKeys - keysScanned - sizing;
    if (queue.length >= burstSize && budget >= burstSize) {
      return { take: burstSize, scan: scanWanted() && queue.length - burstSize < burstSize * depth };
    }
    // The start, or pages with few keys or none matching MATCH: what is in hand, if anything, with the next SCAN.
    if (scanWanted()) return { take: Math.min(queue.length, burstSize, budget), scan: true };
    // The end of the keyspace or of the key budget: whatever is left.
    if (!scanning && queue.length > 0 && budget > 0)
      return { take: Math.min(queue.length, burstSize, budget), scan: false };
    return undefined;
  };

  const launch = ({ take, scan }: { take: number; scan: boolean }): Promise<void> => {
    const keys = queue.splice(0, take);
    const scanCursor = scan ? cursor : undefined;
    if (scan) {
      scanning = true;
      batches++;
    }
    if (keys.length === 0) return transport.scan(cursor).then(takePage);
    sizing += keys.length;
    return transport.size(keys, scanCursor).then(({ replies, scan: page }) => {
      sizing -= keys.length;
      keysScanned += keys.length;
      for (let i = 0; i < keys.length; i++) {
        const type = replies[2 * i];
        const bytes = replies[2 * i + 1];
        // TYPE "none" / MEMORY USAGE nil: the key expired or was deleted since SCAN returned it.
        if (typeof type !== 'string' || type === 'none' || typeof bytes !== 'number') keysVanished++;
        else record(keys[i]!, type, bytes);
      }
      if (page) takePage(page);
    });
  };

  try {
    let sliceStarted = performance.now();
    let writes = 0;
    let rested = false;
    while (!failure) {
      while (!stoppedBy && !failure && inFlight.size < depth) {
        const plan = nextWrite();
        if (!plan) break;
        if (signal?.aborted) stoppedBy = 'aborted';
        else if (performance.now() - started >= maxDurationMs) stoppedBy = 'maxDurationMs';
        else if (!rested && writes > 0 && pauseMs > 0 && performance.now() - sliceStarted >= workMs) {
          // Duty cycle: let what is in flight finish, then leave the server (and the CPU) alone for a while, then
          // plan again (replies may have brought keys meanwhile) and check the budgets again.
          await Promise.all(inFlight);
          await pause(pauseMs, signal);
          pauses++;
          rested = true;
          sliceStarted = performance.now();
        } else {
          writes++;
          rested = false;
          track(launch(plan));
        }
      }
      if (inFlight.size === 0) break;
      await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    if (failure) throw failure.err;
    if (!stoppedBy && keysScanned >= maxKeys && (queue.length > 0 || !scanDone)) stoppedBy = 'maxKeys';
  } finally {
    transport.close();
  }

  const typeStats = [...types.values()].sort((a, b) => b.bytes - a.bytes);
  const share = (bytes: number) => (totalBytes > 0 ? Math.round((bytes / totalBytes) * 1000) / 10 : 0);
  return {
    keysScanned,
    keysVanished,
    totalBytes,
    durationMs: Math.round(performance.now() - started),
    complete: stoppedBy === null,
    stoppedBy,
    topKeys: top.sorted(),
    biggestByType: typeStats.map((t) => t.biggest).sort((a, b) => b.bytes - a.bytes),
    byType: typeStats.map(({ type, keys, bytes }) => ({ type, keys, bytes })),
    byPrefix: [...prefixes.entries()]
      .sort((a, b) => b[1].bytes - a[1].bytes)
      .slice(0, options.top)
      .map(([prefix, p]) => ({ prefix, keys: p.keys, bytes: p.bytes, sharePct: share(p.bytes) })),
    prefixOverflow,
    transport: info,
    batches,
    pauses,
    options,
  };
}

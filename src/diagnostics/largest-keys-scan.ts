import type { Redis } from 'ioredis';
import { z } from 'zod';
import { KeyTally, type TallySummary } from './largest-keys-tally.js';
import { type PacedScanResult, PacingOptionsSchema, runPacedScan } from './paced-scan.js';
import { RespConnection } from './resp-connection.js';
import type { KeyWork } from './scan-transport.js';

export {
  type KeySize,
  keyPrefix,
  MAX_TRACKED_PREFIXES,
  type PrefixStat,
  type TypeStat,
} from './largest-keys-tally.js';

/**
 * Options of the bounded largest-keys scan: the shared pacing ({@link PacingOptionsSchema}: adaptive by default,
 * budgets, MATCH, transport, signal) and what to report.
 *
 * Every key costs the server the same SCAN + TYPE + MEMORY USAGE work whatever the pace (~5 µs of server time per
 * key on the bench machine, SCAN about a third of it); what the pace changes is how long one write holds the node's
 * event loop and how much of its time the scan takes. Adaptive pacing (measured with `npm run bench`, see BENCH.md)
 * runs flat out while nobody else uses the node (96 keys a write, 2 in flight: a fraction of `redis-cli
 * --memkeys`'s time), keeps each write as short as the longest of a redis-cli step (4 keys and a SCAN of 4, one in
 * flight) once other clients are active, and goes slower when the node's main thread is busy.
 */
export const LargestKeysOptionsSchema = PacingOptionsSchema.extend({
  /** How many keys to keep in `topKeys`, and how many prefixes in `byPrefix`. */
  top: z.number().int().min(1).max(1_000).default(10),
  /** `MEMORY USAGE … SAMPLES n`: nested values sampled per key. 5 is Redis's and redis-cli's default. */
  samples: z.number().int().min(1).max(1_000).default(5),
  /** Separator of key segments used to group keys by prefix. */
  prefixDelimiter: z.string().min(1).max(16).default(':'),
  /** Segments kept in a prefix: 1 turns `user:123:cart` into `user:*`, 2 into `user:123:*`. */
  prefixDepth: z.number().int().min(1).max(16).default(1),
});

/** What callers pass: every field is optional. */
export type LargestKeysOptions = z.input<typeof LargestKeysOptionsSchema>;
/** The options after defaults were applied. */
export type ResolvedLargestKeysOptions = z.output<typeof LargestKeysOptionsSchema>;

export type { StopReason } from './paced-scan.js';

/** Result of {@link scanLargestKeys}. With `complete: false` the figures cover only the keys seen so far. */
export interface LargestKeysReport extends TallySummary, PacedScanResult {
  options: Omit<ResolvedLargestKeysOptions, 'signal'>;
}

/** TYPE + MEMORY USAGE per key, recorded in the tally. */
function sizingWork(tally: KeyTally, samples: number): KeyWork {
  // The constant parts of `TYPE key` + `MEMORY USAGE key SAMPLES n`, so each key costs two concatenations.
  const tail = `\r\n${RespConnection.encode('SAMPLES', samples).slice(4)}`;
  return {
    perKey: 2,
    // 4 keys (8 commands) and a SCAN of 4: ~25 µs of the node's time on the bench machine, redis-cli's longest ~28.
    gentleBurst: 4,
    commandNames: ['type', 'memory|usage'],
    encode(key) {
      const head = `$${Buffer.byteLength(key)}\r\n${key}`;
      return `*2\r\n$4\r\nTYPE\r\n${head}\r\n*5\r\n$6\r\nMEMORY\r\n$5\r\nUSAGE\r\n${head}${tail}`;
    },
    queue(pipeline, key) {
      pipeline.type(key).memory('USAGE', key, 'SAMPLES', samples);
    },
    record(key, replies, at) {
      const type = replies[at];
      const bytes = replies[at + 1];
      // TYPE "none" / MEMORY USAGE nil: the key expired or was deleted since SCAN returned it.
      if (typeof type !== 'string' || type === 'none' || typeof bytes !== 'number') return false;
      tally.record(key, type, bytes);
      return true;
    },
  };
}

/**
 * Finds the biggest keys of a Redis node without blocking it. `SCAN cursor [MATCH p] COUNT n` pages through the
 * keyspace; the keys are sized in paced writes (`TYPE key` + `MEMORY USAGE key SAMPLES n` each), each next SCAN
 * riding in a sizing write; the pace adapts to the node's load (see {@link PacingOptionsSchema}). Never sends KEYS.
 * Stops at the key or time budget, or on abort, and says so in `stoppedBy`. Keys that vanish mid-scan are skipped.
 *
 * Like `redis-cli --memkeys` it may see a key twice or miss keys written during the scan (SCAN's guarantees);
 * duplicates are removed from `topKeys` but may be counted twice in the aggregates.
 */
export async function scanLargestKeys(client: Redis, opts: LargestKeysOptions = {}): Promise<LargestKeysReport> {
  const parsed = LargestKeysOptionsSchema.parse(opts);
  const { signal: _signal, ...options } = parsed;
  const tally = new KeyTally(options);
  const scan = await runPacedScan(client, sizingWork(tally, options.samples), {
    ...parsed,
    connectionName: 'largest-keys-scan',
  });
  return { ...tally.summary(), ...scan, options };
}

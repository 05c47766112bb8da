import type { Redis } from 'ioredis';
import { type PacedScanResult, type PacingOptions, PacingOptionsSchema, runPacedScan } from './paced-scan.js';
import type { ProbeContext, ProbeResult } from './probe.js';
import { RespConnection } from './resp-connection.js';
import { paceMetrics, paceSummary } from './scan-pace-figures.js';
import type { KeyWork } from './scan-transport.js';

/** Bounds of the LFU method (the hot-keys probe's params). */
export interface LfuOptions {
  top: number;
  maxKeys: number;
  /** Pacing (see {@link PacingOptionsSchema}); adaptive unless `pacing: 'fixed'`. */
  pacing?: 'adaptive' | 'fixed' | undefined;
  batchSize?: number | undefined;
  burstSize?: number | undefined;
  pauseMs?: number | undefined;
  loadReadMs?: number | undefined;
}

/** What the LFU scan found: the hottest keys and the 0–255 histogram of every counter read. */
export interface LfuScan extends PacedScanResult {
  top: Array<{ key: string; freq: number }>;
  sampled: number;
  median: number;
}

/** `OBJECT FREQ key` per key: the top `limit` and a histogram for the median. */
function freqWork(limit: number, top: Array<{ key: string; freq: number }>, histogram: number[]) {
  const counter = { sampled: 0 };
  const work: KeyWork = {
    perKey: 1,
    // 7 OBJECT FREQ and a SCAN of 7: ~26 µs of the node's time on the bench machine, redis-cli's longest ~27.
    gentleBurst: 7,
    commandNames: ['object|freq'],
    encode: (key) => RespConnection.encode('OBJECT', 'FREQ', key),
    queue(pipeline, key) {
      pipeline.object('FREQ', key);
    },
    record(key, replies, at) {
      const freq = replies[at];
      if (freq instanceof Error) return freq;
      if (typeof freq !== 'number') return false; // vanished since SCAN
      counter.sampled++;
      histogram[Math.min(255, Math.max(0, freq))]! += 1;
      if (top.length < limit || freq > top[top.length - 1]!.freq) {
        top.push({ key, freq });
        top.sort((a, b) => b.freq - a.freq);
        if (top.length > limit) top.pop();
      }
      return true;
    },
  };
  return { work, counter };
}

/**
 * SCAN + pipelined OBJECT FREQ (what `redis-cli --hotkeys` does, in paced writes on a connection of our own, the
 * pace following the node's load) over at most `maxKeys` keys of the connection's database, keeping the top N and a
 * 0–255 histogram for the median. OBJECT does not touch the counters it reads. Throws when the server refuses
 * OBJECT FREQ for every key so far (policy changed, ACL), so the caller falls back.
 */
export async function scanLfu(
  client: Redis,
  p: LfuOptions & { maxDurationMs: number; signal?: AbortSignal | undefined },
): Promise<LfuScan> {
  const top: Array<{ key: string; freq: number }> = [];
  const histogram = new Array<number>(256).fill(0);
  const { work, counter } = freqWork(p.top, top, histogram);
  const options: PacingOptions = PacingOptionsSchema.parse({
    ...(p.pacing ? { pacing: p.pacing } : {}),
    ...(p.batchSize ? { batchSize: p.batchSize } : {}),
    ...(p.burstSize ? { burstSize: p.burstSize } : {}),
    ...(p.pauseMs ? { pauseMs: p.pauseMs } : {}),
    ...(p.loadReadMs ? { loadReadMs: p.loadReadMs } : {}),
    maxKeys: p.maxKeys,
    maxDurationMs: p.maxDurationMs,
    ...(p.signal ? { signal: p.signal } : {}),
  });
  const scan = await runPacedScan(client, work, { ...options, connectionName: 'hot-keys-scan' });
  const sampled = counter.sampled;
  let median = 0;
  for (let f = 0, seen = 0; f < 256; f++) {
    seen += histogram[f]!;
    if (seen * 2 >= sampled && sampled > 0) {
      median = f;
      break;
    }
  }
  return { ...scan, top, sampled, median };
}

/** The LFU method as a probe result. */
export async function sampleLfu(ctx: ProbeContext, p: LfuOptions): Promise<ProbeResult> {
  const scan = await scanLfu(ctx.client, {
    ...p,
    maxDurationMs: Math.max(1000, ctx.timeoutMs - 500),
    signal: ctx.signal,
  });
  const { top, sampled, median } = scan;
  const stopped =
    scan.stoppedBy === 'maxKeys'
      ? `maxKeys (${p.maxKeys})`
      : scan.stoppedBy
        ? scan.stoppedBy === 'aborted'
          ? 'an abort'
          : 'the time budget'
        : undefined;
  const dbsize = await ctx.client.dbsize();
  const metrics: ProbeResult['metrics'] = {
    'hot_keys.sampled': sampled,
    'hot_keys.median_freq': median,
    'hot_keys.scan_complete': stopped ? 0 : 1,
    ...paceMetrics('hot_keys', scan),
  };
  const first = top[0];
  if (first) {
    metrics['hot_keys.top_key'] = first.key;
    metrics['hot_keys.top_key_freq'] = first.freq;
  }
  const notes = [
    'LFU counters are logarithmic (0–255) and decay with lfu-decay-time: they rank keys, they are not hit counts.',
  ];
  if (stopped) notes.push(`scan stopped at ${stopped} after ${sampled} of ${dbsize} keys: a hotter key may be unseen`);
  return {
    metrics,
    figures: [
      { label: 'hottest key', value: first ? `${first.key} (LFU counter ${first.freq})` : 'no keys' },
      { label: 'keys sampled', value: `${sampled} of ${dbsize}` },
      { label: 'median LFU counter', value: String(median) },
      { label: 'scan', value: `${scan.durationMs} ms; pace: ${paceSummary(scan)}` },
    ],
    tables: top.length
      ? [
          {
            title: 'Hottest keys by LFU counter (OBJECT FREQ)',
            columns: ['key', 'LFU counter'],
            rows: top.map((t) => [t.key, String(t.freq)]),
          },
        ]
      : [],
    notes,
  };
}

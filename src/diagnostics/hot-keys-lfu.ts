import { setTimeout as sleep } from 'node:timers/promises';
import type { ProbeContext, ProbeResult } from './probe.js';

/** Bounds of the LFU method (the hot-keys probe's params). */
export interface LfuOptions {
  top: number;
  maxKeys: number;
  batchSize: number;
  pauseMs: number;
}

/**
 * SCAN + pipelined OBJECT FREQ (what `redis-cli --hotkeys` does) over at most `maxKeys` keys of the connection's
 * database, paused between batches, keeping the top N and a 0–255 histogram for the median. OBJECT does not touch
 * the counters it reads. Throws when every key of a batch is refused (policy changed, ACL), so the caller falls back.
 */
export async function sampleLfu(ctx: ProbeContext, p: LfuOptions): Promise<ProbeResult> {
  const top: Array<{ key: string; freq: number }> = [];
  const histogram = new Array<number>(256).fill(0);
  let sampled = 0;
  let cursor = '0';
  let stopped: string | undefined;
  const deadline = Date.now() + Math.max(1000, ctx.timeoutMs - 500);
  do {
    if (ctx.signal?.aborted || Date.now() > deadline) {
      stopped = 'the time budget';
      break;
    }
    const [next, batch] = await ctx.client.scan(cursor, 'COUNT', p.batchSize);
    cursor = next;
    const slice = batch.slice(0, p.maxKeys - sampled);
    if (slice.length) {
      const pipe = ctx.client.pipeline();
      for (const k of slice) pipe.object('FREQ', k);
      const results = (await pipe.exec()) ?? [];
      // Every key refused (the policy changed under us, or an ACL denies OBJECT): let the caller fall back.
      const refused = results.find(([err]) => err)?.[0];
      if (refused && results.every(([err]) => err)) throw refused;
      slice.forEach((key, i) => {
        const [err, freq] = results[i] ?? [];
        if (err || typeof freq !== 'number') return; // vanished since SCAN
        sampled++;
        histogram[Math.min(255, Math.max(0, freq))]! += 1;
        if (top.length < p.top || freq > top[top.length - 1]!.freq) {
          top.push({ key, freq });
          top.sort((a, b) => b.freq - a.freq);
          if (top.length > p.top) top.pop();
        }
      });
    }
    if (sampled >= p.maxKeys && cursor !== '0') stopped = `maxKeys (${p.maxKeys})`;
    if (p.pauseMs > 0 && cursor !== '0' && !stopped) await sleep(p.pauseMs);
  } while (cursor !== '0' && !stopped);

  let median = 0;
  for (let f = 0, seen = 0; f < 256; f++) {
    seen += histogram[f]!;
    if (seen * 2 >= sampled && sampled > 0) {
      median = f;
      break;
    }
  }
  const dbsize = await ctx.client.dbsize();
  const metrics: ProbeResult['metrics'] = {
    'hot_keys.sampled': sampled,
    'hot_keys.median_freq': median,
    'hot_keys.scan_complete': stopped ? 0 : 1,
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

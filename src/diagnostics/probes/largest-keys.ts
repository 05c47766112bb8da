import { z } from 'zod';
import { formatBytes } from '../../kernel/bytes.js';
import { scanLargestKeys } from '../largest-keys-scan.js';
import type { Probe, ProbeResult } from '../probe.js';
import { paceMetrics, paceSummary } from '../scan-pace-figures.js';

const ParamsSchema = z
  .object({
    /** `adaptive` (default): the pace follows the node's load, read every `loadReadMs`; `fixed`: burstSize/inFlight. */
    pacing: z.enum(['adaptive', 'fixed']).optional(),
    loadReadMs: z.number().int().min(10).max(10_000).optional(),
    /** Other clients' commands/s under which the node counts as idle (full pace), and from which it is busy. */
    idleOpsPerSec: z.number().min(0).optional(),
    busyOpsPerSec: z.number().min(0).optional(),
    /** SCAN COUNT hint (fixed pacing). */
    batchSize: z.number().int().min(1).max(10_000).optional(),
    /** Keys sized per write (TYPE + MEMORY USAGE each): fixed pacing's pace, adaptive pacing's most. */
    burstSize: z.number().int().min(1).max(1_000).optional(),
    /** Writes in flight at once (fixed), or at most (adaptive). */
    inFlight: z.number().int().min(1).max(8).optional(),
    /** Work this many ms, then pause `pauseMs` (0: no pause) — a duty cycle for busy servers. */
    workMs: z.number().int().min(1).max(10_000).optional(),
    pauseMs: z.number().min(0).max(10_000).optional(),
    top: z.number().int().min(1).max(100).optional(),
    samples: z.number().int().min(1).max(1_000).optional(),
    prefixDelimiter: z.string().min(1).max(16).optional(),
    prefixDepth: z.number().int().min(1).max(16).optional(),
    maxKeys: z.number().int().min(1).optional(),
    match: z.string().min(1).optional(),
  })
  .strict();

/**
 * Which keys and which key prefixes hold the memory. A bounded scan: `SCAN cursor COUNT n`, then `TYPE` +
 * `MEMORY USAGE key SAMPLES 5` in paced writes, stopped at the key budget or the step's timeout (the report then
 * says it is partial). Never `KEYS`. The pace adapts to the node's load, read in band every 250 ms (`INFO stats cpu
 * clients commandstats`, under a 1 s timeout): 96 keys a write while nobody else uses the node, 4 and a SCAN of 4
 * (no longer than a redis-cli step's longest) once others do, 2 with pauses or none at all when its main thread is
 * busy. Cost: O(1) per key on the server (~5 µs, SCAN included); see `npm run bench` and BENCH.md.
 */
export const largestKeysProbe: Probe<typeof ParamsSchema> = {
  name: 'largest-keys',
  heavy: true,
  title: 'Largest keys',
  commands:
    'SCAN COUNT n + pipelined TYPE / MEMORY USAGE SAMPLES 5 per write, paced by the load (INFO stats cpu clients ' +
    'commandstats every 250 ms); bounded in keys and time',
  paramsSchema: ParamsSchema,
  async run(ctx, params): Promise<ProbeResult> {
    // Leave a margin inside the step's timeout so a partial report is returned rather than a timeout error.
    const maxDurationMs = Math.max(1, Math.floor(ctx.timeoutMs * 0.8));
    const report = await scanLargestKeys(ctx.client, {
      ...params,
      maxDurationMs,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    const top1 = report.topKeys[0];
    const topPrefix = report.byPrefix[0];
    const metrics: ProbeResult['metrics'] = {
      'largest_keys.keys_scanned': report.keysScanned,
      'largest_keys.total_bytes': report.totalBytes,
      'largest_keys.complete': report.complete ? 1 : 0,
      'largest_keys.top1_key': top1?.key ?? '(none)',
      'largest_keys.top1_bytes': top1?.bytes ?? 0,
      'largest_keys.top1_type': top1?.type ?? '(none)',
      'largest_keys.top1_human': formatBytes(top1?.bytes ?? 0),
      'largest_keys.top1_share_pct':
        top1 && report.totalBytes > 0 ? Math.round((top1.bytes / report.totalBytes) * 1000) / 10 : 0,
      'largest_keys.top_prefix': topPrefix?.prefix ?? '(none)',
      'largest_keys.top_prefix_bytes': topPrefix?.bytes ?? 0,
      'largest_keys.top_prefix_share_pct': topPrefix?.sharePct ?? 0,
      ...paceMetrics('largest_keys', report),
    };
    const notes: string[] = [];
    if (!report.complete) {
      notes.push(
        `Partial scan: stopped by ${report.stoppedBy} after ${report.keysScanned} keys; figures cover those keys only.`,
      );
    }
    if (report.keysVanished > 0) notes.push(`${report.keysVanished} keys expired or were deleted during the scan.`);
    if (report.prefixOverflow) notes.push('More than 10,000 prefixes; the rest are grouped as (other).');
    return {
      metrics,
      figures: [
        { label: 'keys sized', value: String(report.keysScanned) },
        { label: 'bytes sampled', value: formatBytes(report.totalBytes) },
        {
          label: 'scan',
          value: `${report.durationMs} ms, ${report.batches} batches, ${report.complete ? 'complete' : 'partial'}`,
        },
        { label: 'pace', value: paceSummary(report) },
      ],
      tables: [
        {
          title: 'Top keys by memory',
          columns: ['key', 'type', 'size'],
          rows: report.topKeys.map((k) => [k.key, k.type, formatBytes(k.bytes)]),
        },
        {
          title: 'Memory by key prefix',
          columns: ['prefix', 'keys', 'size', 'share'],
          rows: report.byPrefix.map((p) => [p.prefix, String(p.keys), formatBytes(p.bytes), `${p.sharePct}%`]),
        },
        {
          title: 'Biggest key of each type',
          columns: ['type', 'key', 'size'],
          rows: report.biggestByType.map((k) => [k.type, k.key, formatBytes(k.bytes)]),
        },
      ],
      notes,
    };
  },
};

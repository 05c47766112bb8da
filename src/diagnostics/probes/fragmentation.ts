import { z } from 'zod';
import { formatBytes } from '../../kernel/bytes.js';
import { num, parseInfo } from '../../kernel/info.js';
import type { Probe, ProbeResult } from '../probe.js';

const ParamsSchema = z.object({}).strict();

/**
 * Is memory lost to fragmentation rather than data? The ratio alone misleads on small instances (RSS overhead
 * dominates), so bytes and the allocator's own ratios are reported too, as MEMORY DOCTOR does.
 * Commands: `INFO memory` (O(1)), `MEMORY DOCTOR` (O(1), text advice).
 */
export const fragmentationProbe: Probe<typeof ParamsSchema> = {
  name: 'fragmentation',
  title: 'Fragmentation',
  commands: 'INFO memory, MEMORY DOCTOR (O(1) each)',
  paramsSchema: ParamsSchema,
  async run(ctx): Promise<ProbeResult> {
    const mem = parseInfo(await ctx.client.info('memory'));
    const ratio = num(mem, 'mem_fragmentation_ratio') ?? 0;
    const fragBytes = num(mem, 'mem_fragmentation_bytes') ?? 0;
    const allocRatio = num(mem, 'allocator_frag_ratio') ?? 0;
    const allocBytes = num(mem, 'allocator_frag_bytes') ?? 0;
    const rssOverhead = num(mem, 'rss_overhead_ratio') ?? 0;
    const activeDefrag = mem.active_defrag_running !== undefined ? 'available' : 'unknown';
    const doctor = String(await ctx.client.call('MEMORY', 'DOCTOR'));
    const metrics: ProbeResult['metrics'] = {
      'fragmentation.ratio': ratio,
      'fragmentation.bytes': fragBytes,
      'fragmentation.allocator_ratio': allocRatio,
      'fragmentation.allocator_bytes': allocBytes,
      'fragmentation.rss_overhead_ratio': rssOverhead,
      'fragmentation.bytes_human': formatBytes(Math.max(0, fragBytes)),
    };
    const notes: string[] = [];
    if (doctor && !/Sam, I have no memory problems|I'm here to keep you safe/.test(doctor)) {
      notes.push(`MEMORY DOCTOR: ${doctor.replace(/\s+/g, ' ').trim().slice(0, 600)}`);
    }
    return {
      metrics,
      figures: [
        { label: 'mem_fragmentation_ratio', value: ratio.toFixed(2) },
        { label: 'mem_fragmentation_bytes', value: formatBytes(Math.max(0, fragBytes)) },
        { label: 'allocator_frag_ratio', value: allocRatio.toFixed(2) },
        { label: 'allocator_frag_bytes', value: formatBytes(Math.max(0, allocBytes)) },
        { label: 'rss_overhead_ratio', value: rssOverhead.toFixed(2) },
        { label: 'active defrag', value: activeDefrag },
      ],
      tables: [],
      notes,
    };
  },
};

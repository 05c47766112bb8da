import { z } from 'zod';
import { formatBytes } from '../../kernel/bytes.js';
import type { Figures, RemediationAction } from '../action.js';
import {
  busyReason,
  dataDir,
  type PersistenceStatus,
  persistenceStatus,
  waitForPersistence,
} from '../persistence-status.js';

const ParamsSchema = z.object({}).strict();

/** How long verification waits for the rewrite to finish. */
export const BGREWRITEAOF_VERIFY_TIMEOUT_MS = 60_000;

function aofFigures(s: PersistenceStatus): Figures {
  return {
    aof_enabled: s.aof_enabled,
    aof_rewrite_in_progress: s.aof_rewrite_in_progress,
    aof_rewrite_scheduled: s.aof_rewrite_scheduled,
    aof_last_bgrewrite_status: s.aof_last_bgrewrite_status,
    aof_rewrites: s.aof_rewrites,
    aof_current_size_bytes: s.aof_current_size,
  };
}

/**
 * `BGREWRITEAOF`: rewrites the append-only file from memory in a forked child, shrinking it on disk. Only when AOF
 * is enabled (`aof_enabled:1`) and no BGSAVE or rewrite runs (otherwise Redis would only schedule it). It frees disk,
 * not memory: the fork costs copy-on-write memory while it runs. Verification polls `INFO persistence` until the
 * rewrite ends (at most 60 s) and reports `aof_last_bgrewrite_status` and the AOF size as they are.
 */
export const bgrewriteaofAction: RemediationAction<typeof ParamsSchema> = {
  name: 'bgrewriteaof',
  title: 'Rewrite the append-only file (BGREWRITEAOF)',
  paramsSchema: ParamsSchema,
  planOptionsSchema: z.object({}).strict(),
  workloads: ['cache', 'session', 'queue'],
  risk: 'forks the server: copy-on-write memory and a latency blip on fork; disk I/O while the new AOF is written',
  plan(metrics, options) {
    const params = ParamsSchema.parse(options);
    // Whichever probe reports it (`<probe>.aof_enabled`): no proposal when AOF is known to be off.
    const aof = Object.entries(metrics).find(([k]) => k.endsWith('.aof_enabled'));
    if (aof && Number(aof[1]) !== 1) return undefined;
    return params;
  },
  command: () => 'BGREWRITEAOF',
  async precondition(ctx) {
    const s = await persistenceStatus(ctx.client);
    const before = aofFigures(s);
    if (s.aof_enabled !== 1)
      return { ok: false, reason: 'AOF is not enabled (aof_enabled:0): nothing to rewrite', before };
    const busy = busyReason(s);
    if (busy) return { ok: false, reason: `${busy}; Redis runs one background job at a time`, before };
    return {
      ok: true,
      reason: `AOF enabled, ${formatBytes(Math.max(0, s.aof_current_size))}, no rewrite running`,
      before,
    };
  },
  async execute(ctx) {
    return String(await ctx.client.bgrewriteaof());
  },
  async verify(ctx, _params, before) {
    const beforeRewrites = Number(before.aof_rewrites);
    const {
      status: s,
      met,
      waitedMs,
    } = await waitForPersistence(
      ctx.client,
      // On Redis 7 the rewrite counter says ours finished; older servers only have the in-progress flags.
      (st) =>
        st.aof_rewrite_in_progress === 0 &&
        st.aof_rewrite_scheduled === 0 &&
        (beforeRewrites < 0 || st.aof_rewrites > beforeRewrites || st.aof_last_bgrewrite_status !== 'ok'),
      BGREWRITEAOF_VERIFY_TIMEOUT_MS,
    );
    const after = aofFigures(s);
    if (!met) {
      return {
        ok: false,
        summary: `AOF rewrite still running after ${Math.round(waitedMs / 1000)} s; check INFO persistence (aof_rewrite_in_progress) later`,
        after,
      };
    }
    const size = `${formatBytes(Math.max(0, Number(before.aof_current_size_bytes)))} → ${formatBytes(Math.max(0, s.aof_current_size))}`;
    if (s.aof_last_bgrewrite_status !== 'ok') {
      return {
        ok: false,
        summary: `AOF rewrite failed: aof_last_bgrewrite_status:${s.aof_last_bgrewrite_status} (AOF ${size}). Check that ${await dataDir(ctx.client)} is writable and the disk has space; the Redis log names the error.`,
        after,
      };
    }
    return {
      ok: true,
      summary: `AOF rewritten in ${Math.max(0, s.aof_last_rewrite_time_sec)} s (aof_last_bgrewrite_status:ok); AOF size ${size}`,
      after,
    };
  },
};

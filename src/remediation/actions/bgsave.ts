import { z } from 'zod';
import type { Figures, RemediationAction } from '../action.js';
import {
  busyReason,
  dataDir,
  type PersistenceStatus,
  persistenceStatus,
  waitForPersistence,
} from '../persistence-status.js';

const ParamsSchema = z.object({}).strict();

/** How long verification waits for the child to finish; a bigger dataset is reported as still running. */
export const BGSAVE_VERIFY_TIMEOUT_MS = 60_000;

function rdbFigures(s: PersistenceStatus): Figures {
  return {
    rdb_bgsave_in_progress: s.rdb_bgsave_in_progress,
    rdb_last_bgsave_status: s.rdb_last_bgsave_status,
    rdb_last_save_time: s.rdb_last_save_time,
    rdb_changes_since_last_save: s.rdb_changes_since_last_save,
    rdb_saves: s.rdb_saves,
  };
}

const when = (unix: number) => (unix > 0 ? new Date(unix * 1000).toISOString() : 'never');

/**
 * `BGSAVE`: a fresh RDB snapshot in a forked child (fork cost: copy-on-write memory and a latency blip on big
 * instances). Refused while another BGSAVE or an AOF rewrite runs. Verification polls `INFO persistence` until the
 * child ends (at most 60 s) and reports `rdb_last_bgsave_status` as it is: `err` is a failure pointing at `dir`.
 */
export const bgsaveAction: RemediationAction<typeof ParamsSchema> = {
  name: 'bgsave',
  title: 'Take an RDB snapshot (BGSAVE)',
  paramsSchema: ParamsSchema,
  planOptionsSchema: z.object({}).strict(),
  workloads: ['cache', 'session', 'queue'],
  risk: 'forks the server: copy-on-write memory (up to the dataset size under heavy writes) and a latency blip on fork; disk I/O while writing',
  plan(_metrics, options) {
    return ParamsSchema.parse(options);
  },
  command: () => 'BGSAVE',
  async precondition(ctx) {
    const s = await persistenceStatus(ctx.client);
    const before = rdbFigures(s);
    const busy = busyReason(s);
    if (busy) return { ok: false, reason: `${busy}; Redis runs one background save at a time`, before };
    return {
      ok: true,
      reason: `no save or rewrite running; last save ${when(s.rdb_last_save_time)} (${s.rdb_last_bgsave_status}), ${s.rdb_changes_since_last_save} changes since`,
      before,
    };
  },
  async execute(ctx) {
    return String(await ctx.client.bgsave());
  },
  async verify(ctx, _params, before) {
    const {
      status: s,
      met,
      waitedMs,
    } = await waitForPersistence(ctx.client, (st) => st.rdb_bgsave_in_progress === 0, BGSAVE_VERIFY_TIMEOUT_MS);
    const after = rdbFigures(s);
    if (!met) {
      return {
        ok: false,
        summary: `BGSAVE still running after ${Math.round(waitedMs / 1000)} s; check INFO persistence (rdb_bgsave_in_progress) later`,
        after,
      };
    }
    if (s.rdb_last_bgsave_status !== 'ok') {
      const dir = await dataDir(ctx.client);
      return {
        ok: false,
        summary:
          `BGSAVE failed: rdb_last_bgsave_status:${s.rdb_last_bgsave_status}. Redis could not write its snapshot in ${dir}: ` +
          'check that the directory exists, is writable by Redis and the disk has space (the Redis log names the error). ' +
          'With stop-writes-on-bgsave-error yes (the default) writes are refused until a save succeeds.',
        after,
      };
    }
    const saved = s.rdb_last_save_time > Number(before.rdb_last_save_time) || s.rdb_saves > Number(before.rdb_saves);
    return {
      ok: true,
      summary: saved
        ? `snapshot written at ${when(s.rdb_last_save_time)} in ${Math.max(0, s.rdb_last_bgsave_time_sec)} s (rdb_last_bgsave_status:ok)`
        : `BGSAVE finished with rdb_last_bgsave_status:ok; last save at ${when(s.rdb_last_save_time)}`,
      after,
    };
  },
};

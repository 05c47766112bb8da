import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { num, parseInfo } from '../kernel/info.js';

/** The `INFO persistence` fields the BGSAVE and BGREWRITEAOF actions check and report. */
export interface PersistenceStatus {
  rdb_bgsave_in_progress: number;
  rdb_last_bgsave_status: string;
  rdb_last_save_time: number;
  rdb_last_bgsave_time_sec: number;
  rdb_changes_since_last_save: number;
  /** Saves since start (Redis 7+; -1 when the server does not report it). */
  rdb_saves: number;
  aof_enabled: number;
  aof_rewrite_in_progress: number;
  aof_rewrite_scheduled: number;
  aof_last_bgrewrite_status: string;
  aof_last_rewrite_time_sec: number;
  /** Rewrites since start (Redis 7+; -1 when the server does not report it). */
  aof_rewrites: number;
  /** Bytes; -1 when AOF is off. */
  aof_current_size: number;
  aof_last_write_status: string;
}

export async function persistenceStatus(client: Redis): Promise<PersistenceStatus> {
  const info = parseInfo(await client.info('persistence'));
  const n = (f: string) => num(info, f) ?? -1;
  return {
    rdb_bgsave_in_progress: n('rdb_bgsave_in_progress'),
    rdb_last_bgsave_status: info.rdb_last_bgsave_status ?? 'unknown',
    rdb_last_save_time: n('rdb_last_save_time'),
    rdb_last_bgsave_time_sec: n('rdb_last_bgsave_time_sec'),
    rdb_changes_since_last_save: n('rdb_changes_since_last_save'),
    rdb_saves: n('rdb_saves'),
    aof_enabled: n('aof_enabled'),
    aof_rewrite_in_progress: n('aof_rewrite_in_progress'),
    aof_rewrite_scheduled: n('aof_rewrite_scheduled'),
    aof_last_bgrewrite_status: info.aof_last_bgrewrite_status ?? 'unknown',
    aof_last_rewrite_time_sec: n('aof_last_rewrite_time_sec'),
    aof_rewrites: n('aof_rewrites'),
    aof_current_size: n('aof_current_size'),
    aof_last_write_status: info.aof_last_write_status ?? 'unknown',
  };
}

/** Why a fork-based job cannot start now, or undefined when none is running (Redis runs one child at a time). */
export function busyReason(s: PersistenceStatus): string | undefined {
  if (s.rdb_bgsave_in_progress === 1) return 'a BGSAVE is already in progress';
  if (s.aof_rewrite_in_progress === 1) return 'an AOF rewrite is in progress';
  if (s.aof_rewrite_scheduled === 1) return 'an AOF rewrite is scheduled';
  return undefined;
}

/**
 * Polls `INFO persistence` every `intervalMs` until `done` holds or `timeoutMs` passes; returns the last reading and
 * whether the condition was met. Bounded by the caller's limit, so a stuck child never blocks the worker.
 */
export async function waitForPersistence(
  client: Redis,
  done: (s: PersistenceStatus) => boolean,
  timeoutMs: number,
  intervalMs = 200,
): Promise<{ status: PersistenceStatus; met: boolean; waitedMs: number }> {
  const started = Date.now();
  for (;;) {
    const status = await persistenceStatus(client);
    if (done(status)) return { status, met: true, waitedMs: Date.now() - started };
    if (Date.now() - started >= timeoutMs) return { status, met: false, waitedMs: Date.now() - started };
    await sleep(intervalMs);
  }
}

/** `CONFIG GET dir`, or what its absence means (CONFIG renamed or denied, or the directory deleted). */
export async function dataDir(client: Redis): Promise<string> {
  try {
    const reply = (await client.config('GET', 'dir')) as string[];
    // Redis answers with getcwd(): empty once its working directory has been removed.
    return reply[1] ? reply[1] : 'its working directory (CONFIG GET dir is empty: the directory no longer exists)';
  } catch {
    return '(dir unknown: CONFIG GET denied)';
  }
}

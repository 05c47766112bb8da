import { z } from 'zod';
import { num, parseInfo } from '../../kernel/info.js';
import { configGet, round1 } from '../config-get.js';
import type { Probe, ProbeResult } from '../probe.js';

const ParamsSchema = z.object({}).strict();

/**
 * Is there a recent, good backup? Last BGSAVE status and age, changes not yet on disk, AOF state and its last write
 * and rewrite status, where the files go (`dir`, `dbfilename`) and the `save` schedule. The age is measured with the
 * server's own clock (`TIME`). `rdb_last_save_time` is the start time when nothing was saved since (see `rdb_saves`).
 * Commands: `INFO persistence`, `TIME`, `CONFIG GET dir|dbfilename|save|appendonly|appendfsync` (O(1) each; CONFIG
 * figures are left out when CONFIG is renamed or denied).
 */
export const persistenceProbe: Probe<typeof ParamsSchema> = {
  name: 'persistence',
  title: 'Persistence and backups',
  commands: 'INFO persistence, TIME, CONFIG GET dir|dbfilename|save|appendonly|appendfsync (O(1) each)',
  paramsSchema: ParamsSchema,
  async run(ctx): Promise<ProbeResult> {
    const info = parseInfo(await ctx.client.info('persistence'));
    const [sec] = (await ctx.client.time()) as [number | string, number | string];
    const now = Number(sec);
    const [dir, dbfilename, save, appendonly, appendfsync] = [
      await configGet(ctx.client, 'dir'),
      await configGet(ctx.client, 'dbfilename'),
      await configGet(ctx.client, 'save'),
      await configGet(ctx.client, 'appendonly'),
      await configGet(ctx.client, 'appendfsync'),
    ];
    const notes: string[] = [];
    const bgsaveStatus = info.rdb_last_bgsave_status ?? 'unknown';
    const aofEnabled = num(info, 'aof_enabled') ?? 0;
    const aofWrite = info.aof_last_write_status ?? 'unknown';
    const aofRewrite = info.aof_last_bgrewrite_status ?? 'unknown';
    const lastSave = num(info, 'rdb_last_save_time') ?? 0;
    const age = lastSave > 0 ? Math.max(0, now - lastSave) : undefined;
    const saves = num(info, 'rdb_saves');
    const metrics: ProbeResult['metrics'] = {
      'persistence.rdb_last_bgsave_status': bgsaveStatus,
      'persistence.rdb_last_bgsave_ok': bgsaveStatus === 'ok' ? 1 : 0,
      'persistence.changes_since_save': num(info, 'rdb_changes_since_last_save') ?? 0,
      'persistence.bgsave_in_progress': num(info, 'rdb_bgsave_in_progress') ?? 0,
      'persistence.last_bgsave_duration_s': num(info, 'rdb_last_bgsave_time_sec') ?? -1,
      'persistence.aof_enabled': aofEnabled,
      'persistence.aof_last_write_status': aofWrite,
      'persistence.aof_last_write_ok': aofWrite === 'ok' ? 1 : 0,
      'persistence.aof_last_bgrewrite_status': aofRewrite,
      'persistence.aof_last_bgrewrite_ok': aofRewrite === 'ok' ? 1 : 0,
      'persistence.aof_rewrite_in_progress': num(info, 'aof_rewrite_in_progress') ?? 0,
    };
    if (age !== undefined) {
      metrics['persistence.last_save_age_s'] = age;
      metrics['persistence.last_save_age_h'] = round1(age / 3600);
    }
    if (saves !== undefined) metrics['persistence.rdb_saves'] = saves;
    if (dir !== undefined) {
      // Redis answers CONFIG GET dir with getcwd(): empty when its working directory was deleted under it.
      metrics['persistence.dir'] = dir || '(unknown: the working directory no longer exists)';
      metrics['persistence.dir_missing'] = dir ? 0 : 1;
      if (!dir)
        notes.push('CONFIG GET dir is empty: the server’s working directory was removed; saves cannot succeed.');
    }
    if (dbfilename !== undefined) metrics['persistence.dbfilename'] = dbfilename;
    if (save !== undefined) {
      metrics['persistence.save_config'] = save.trim() || 'none';
      metrics['persistence.rdb_schedule'] = save.trim() ? 1 : 0;
    }
    if (appendonly !== undefined) metrics['persistence.appendonly'] = appendonly;
    if (appendfsync !== undefined) metrics['persistence.appendfsync'] = appendfsync;
    if (dir === undefined)
      notes.push('CONFIG GET was refused (renamed or denied): dir and the save schedule are unknown.');
    if (saves === 0 && age !== undefined) {
      notes.push('No save since the server started: the last-save age counts from start-up.');
    }
    const where = dir !== undefined ? `${dir || '?'}/${dbfilename ?? 'dump.rdb'}` : 'unknown';
    const figures = [
      { label: 'last BGSAVE', value: `${bgsaveStatus}${bgsaveStatus === 'ok' ? '' : ' (FAILED)'}` },
      {
        label: 'last save',
        value: age !== undefined ? `${age} s ago (${metrics['persistence.last_save_age_h']} h)` : 'unknown',
      },
      { label: 'changes since last save', value: String(metrics['persistence.changes_since_save']) },
      { label: 'RDB file', value: where },
      { label: 'save schedule', value: save !== undefined ? save.trim() || 'none (RDB snapshots off)' : 'unknown' },
      {
        label: 'AOF',
        value: aofEnabled ? `on (${appendfsync ?? '?'}), last write ${aofWrite}, last rewrite ${aofRewrite}` : 'off',
      },
    ];
    if (metrics['persistence.bgsave_in_progress']) figures.push({ label: 'BGSAVE', value: 'in progress now' });
    return { metrics, figures, tables: [], notes };
  },
};

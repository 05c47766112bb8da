import { describe, expect, it } from 'vitest';
import { builtInCatalogs } from '../../../src/catalogs.js';
import { evaluate, parseExpression, renderTemplate } from '../../../src/runbooks/expression.js';
import { loadRunbooks } from '../../../src/runbooks/runbook-loader.js';
import type { Runbook } from '../../../src/runbooks/runbook-schema.js';
import { loadRunbook, RUNBOOKS_DIR } from '../../support/probe-support.js';

const NAMES = ['connections', 'latency-spike', 'missing-backup', 'security-audit'];

const firing = (rb: Runbook, metrics: Record<string, number | string>) => ({
  findings: rb.findings.filter((f) => evaluate(parseExpression(f.when), metrics)).map((f) => f.id),
  proposals: rb.proposals
    .filter((p) => evaluate(parseExpression(p.when), metrics))
    .map((p) => ({ action: p.action, reason: renderTemplate(p.reason, metrics) })),
});

describe('node runbooks', () => {
  it('lint clean against the built-in probe and action catalogs', () => {
    for (const name of NAMES) expect(() => loadRunbook(name), name).not.toThrow();
  });

  it('match the alerts of DOMAIN.md, with no other runbook in runbooks/ matching the same alert', () => {
    expect(loadRunbook('connections').match.alertnames.sort()).toEqual([
      'RedisNotEnoughConnections',
      'RedisRejectedConnections',
      'RedisTooManyConnections',
    ]);
    expect(loadRunbook('missing-backup').match.alertnames).toEqual(['RedisMissingBackup']);
    expect(loadRunbook('latency-spike').match.alertnames).toEqual([]);
    expect(loadRunbook('security-audit').match.alertnames).toEqual([]);
    const { errors } = loadRunbooks(RUNBOOKS_DIR, builtInCatalogs());
    expect(errors.filter((e) => e.reason.startsWith('duplicate'))).toEqual([]);
  });

  it('security-audit and latency-spike propose nothing', () => {
    expect(loadRunbook('security-audit').proposals).toEqual([]);
    expect(loadRunbook('latency-spike').proposals).toEqual([]);
  });

  describe('missing-backup proposes BGSAVE only when it can tell something', () => {
    const rb = loadRunbook('missing-backup');
    const base = {
      'persistence.rdb_last_bgsave_status': 'ok',
      'persistence.rdb_last_bgsave_ok': 1,
      'persistence.bgsave_in_progress': 0,
      'persistence.changes_since_save': 500,
      'persistence.last_save_age_s': 7200,
      'persistence.last_save_age_h': 2,
      'persistence.dir': '/var/lib/redis',
      'persistence.dir_missing': 0,
      'persistence.dbfilename': 'dump.rdb',
      'persistence.aof_enabled': 0,
      'persistence.save_config': '3600 1',
    };

    it('last save OK but old: a snapshot now', () => {
      const r = firing(rb, base);
      expect(r.findings).toEqual(['save-old']);
      expect(r.proposals).toHaveLength(1);
      expect(r.proposals[0]?.reason).toContain('the last BGSAVE succeeded');
    });

    it('last save failed: names status and dir, and the proposal says it only re-tests the disk', () => {
      const r = firing(rb, {
        ...base,
        'persistence.rdb_last_bgsave_status': 'err',
        'persistence.rdb_last_bgsave_ok': 0,
      });
      expect(r.findings).toContain('bgsave-failed');
      const title = rb.findings.find((f) => f.id === 'bgsave-failed')?.title ?? '';
      expect(renderTemplate(title, { ...base, 'persistence.rdb_last_bgsave_status': 'err' })).toContain(
        'rdb_last_bgsave_status err) writing /var/lib/redis/dump.rdb',
      );
      expect(r.proposals).toHaveLength(1);
      expect(r.proposals[0]?.reason).toMatch(/after fixing the cause.*re-tests the disk/);
    });

    it('working directory gone, save running or nothing to save: no BGSAVE', () => {
      const failed = { ...base, 'persistence.rdb_last_bgsave_status': 'err', 'persistence.rdb_last_bgsave_ok': 0 };
      expect(firing(rb, { ...failed, 'persistence.dir_missing': 1 }).proposals).toEqual([]);
      expect(firing(rb, { ...base, 'persistence.bgsave_in_progress': 1 }).proposals).toEqual([]);
      expect(firing(rb, { ...base, 'persistence.changes_since_save': 0 }).proposals).toEqual([]);
      expect(firing(rb, { ...base, 'persistence.last_save_age_s': 60 }).proposals).toEqual([]);
    });
  });

  it('connections: the leak names the address and proposes killing its idle clients and raising maxclients', () => {
    const rb = loadRunbook('connections');
    const metrics = {
      'stats.connected_clients': 9500,
      'stats.maxclients': 10000,
      'stats.clients_pct': 95,
      'stats.rejected_connections': 12,
      'stats.uptime_s': 86400,
      'stats.connections_per_sec': 0.2,
      'stats.total_connections_received': 17000,
      'client_list.total_clients': 9500,
      'client_list.top_addr': '10.0.4.17',
      'client_list.top_addr_clients': 9000,
      'client_list.top_addr_pct': 94.7,
      'client_list.top_addr_idle_clients': 8900,
      'client_list.top_addr_idle_pct': 98.9,
      'client_list.top_addr_idle_median_s': 3400,
      'client_list.top_addr_name': 'orders-api',
      'client_list.top_addr_cmd': 'get',
      'client_list.idle_seconds': 60,
      'client_list.idle_clients': 8900,
      'client_list.idle_pct': 93.7,
      'client_list.top_name': 'orders-api',
      'client_list.top_name_clients': 9000,
      'client_list.top_cmd': 'get',
      'client_list.max_idle_s': 80000,
    };
    const r = firing(rb, metrics);
    expect(r.findings).toEqual(
      expect.arrayContaining(['connection-leak', 'rejected-connections', 'near-maxclients', 'idle-clients']),
    );
    expect(r.findings).not.toContain('top-address');
    expect(r.findings).not.toContain('not-enough-connections');
    const leak = rb.findings.find((f) => f.id === 'connection-leak');
    expect(renderTemplate(leak?.title ?? '', metrics)).toBe(
      '10.0.4.17 holds 94.7% of connections (9000 of 9500), 98.9% idle ≥ 60 s, mostly "orders-api"',
    );
    expect(r.proposals.map((p) => p.action)).toEqual(['kill-idle-clients', 'config-set-maxclients']);
  });
});

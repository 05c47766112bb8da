import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { builtInCatalogs } from '../../../src/catalogs.js';
import { hotKeysProbe } from '../../../src/diagnostics/probes/hot-keys.js';
import { bgrewriteaofAction } from '../../../src/remediation/actions/bgrewriteaof.js';
import { bgsaveAction } from '../../../src/remediation/actions/bgsave.js';
import { configSetMaxclientsAction } from '../../../src/remediation/actions/config-set-maxclients.js';
import { evictionPolicyAction } from '../../../src/remediation/actions/eviction-policy.js';
import { killIdleClientsAction } from '../../../src/remediation/actions/kill-idle-clients.js';
import { evaluate, parseExpression, renderTemplate } from '../../../src/runbooks/expression.js';
import { matchRunbook } from '../../../src/runbooks/match-runbook.js';
import { type Catalogs, lintRunbook } from '../../../src/runbooks/runbook-loader.js';

const NEW_ACTIONS = [
  bgsaveAction,
  bgrewriteaofAction,
  configSetMaxclientsAction,
  killIdleClientsAction,
  evictionPolicyAction,
];

/** The shipped catalogs plus this change's probe and actions (the lead registers them in the real ones). */
function catalogs(): Catalogs {
  const base = builtInCatalogs();
  return {
    probes: new Set([...base.probes, hotKeysProbe.name]),
    actions: new Set([...base.actions, ...NEW_ACTIONS.map((a) => a.name)]),
    probeParams: new Map([...(base.probeParams ?? []), [hotKeysProbe.name, hotKeysProbe.paramsSchema]]),
    actionParams: new Map([
      ...(base.actionParams ?? []),
      ...NEW_ACTIONS.map((a) => [a.name, a.planOptionsSchema] as const),
    ]),
  };
}

const STANDARD_ALERTS = [
  'RedisDown',
  'RedisMissingMaster',
  'RedisTooManyMasters',
  'RedisDisconnectedSlaves',
  'RedisReplicationBroken',
  'RedisClusterStateNotOk',
  'RedisMasterLinkDown',
  'RedisClusterSlotFail',
  'RedisClusterSlotPfail',
  'RedisClusterFlapping',
  'RedisOutOfSystemMemory',
  'RedisOutOfConfiguredMaxmemory',
  'RedisTooManyConnections',
  'RedisNotEnoughConnections',
  'RedisRejectedConnections',
  'RedisMissingBackup',
];

describe('runbooks/hot-keys.yaml', () => {
  const { runbook, errors } = lintRunbook(readFileSync('runbooks/hot-keys.yaml', 'utf8'), 'hot-keys.yaml', catalogs());

  it('lints clean', () => {
    expect(errors).toEqual([]);
  });

  it('runs on demand only: no standard alert matches it', () => {
    for (const alertname of STANDARD_ALERTS) expect(matchRunbook([runbook!], { alertname })).toBeUndefined();
  });

  it('uses only the memory and hot-keys probes and proposes no action', () => {
    expect(runbook!.steps.map((s) => s.probe)).toEqual(['memory', 'hot-keys']);
    expect(runbook!.proposals).toEqual([]);
    expect(runbook!.advice.join(' ')).toMatch(/1–5 s.*item:0\.\.15.*replicas/s);
  });

  it.each([
    [{ 'hot_keys.method': 'lfu-object-freq', 'hot_keys.top_key': 'k', 'hot_keys.top_key_freq': 200 }, 'hot-key-lfu'],
    [{ 'hot_keys.method': 'lfu-object-freq', 'hot_keys.top_key': 'k', 'hot_keys.top_key_freq': 30 }, 'top-key-lfu'],
    [
      {
        'hot_keys.method': 'monitor-sample',
        'hot_keys.top_key': 'k',
        'hot_keys.top_key_share_pct': 60,
        'hot_keys.keyed_commands': 5000,
      },
      'hot-key-monitor',
    ],
    [
      {
        'hot_keys.method': 'monitor-sample',
        'hot_keys.top_key': 'k',
        'hot_keys.top_key_share_pct': 5,
        'hot_keys.keyed_commands': 5000,
      },
      'top-key-monitor',
    ],
    [{ 'hot_keys.method': 'monitor-sample', 'hot_keys.keyed_commands': 0 }, 'no-key-traffic'],
    [{ 'hot_keys.method': 'commandstats', 'hot_keys.top_command': 'GET' }, 'commandstats-only'],
  ])('%j gives exactly the finding %s, naming key/method/confidence', (metrics, id) => {
    const all = { ...metrics, 'hot_keys.confidence': 'x', 'hot_keys.sampled': 1 } as Record<string, string | number>;
    const hot = runbook!.findings.filter((f) => f.id !== 'low-hit-ratio' && evaluate(parseExpression(f.when), all));
    expect(hot.map((f) => f.id)).toEqual([id]);
    const title = renderTemplate(hot[0]!.title, all);
    if (all['hot_keys.top_key']) expect(title).toContain('k:');
    expect(title).toMatch(/method (lfu-object-freq|monitor-sample|commandstats)|No key names|No command on a key/);
  });
});

describe('runbooks/high-memory.yaml proposals', () => {
  const { runbook, errors } = lintRunbook(
    readFileSync('runbooks/high-memory.yaml', 'utf8'),
    'high-memory.yaml',
    catalogs(),
  );

  it('lints clean with eviction-policy appended', () => {
    expect(errors).toEqual([]);
    const rule = runbook!.proposals.find((p) => p.action === 'eviction-policy');
    expect(rule?.when).toBe("memory.policy == 'noeviction' and memory.used_pct > 85");
    expect(rule?.params).toEqual({ to: 'allkeys-lru' });
  });

  it('keeps the existing proposals first, in order', () => {
    expect(runbook!.proposals.map((p) => p.action)).toEqual([
      'memory-purge',
      'config-set-maxmemory',
      'eviction-policy',
    ]);
  });
});

import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInCatalogs } from '../../../src/catalogs.js';
import { type Target, TargetSchema } from '../../../src/config/config-file.js';
import { type RedisProcess, startRedis } from '../../../src/devtools/redis-process.js';
import type { MonitorLine } from '../../../src/diagnostics/monitor-line.js';
import { sampleMonitor } from '../../../src/diagnostics/monitor-sample.js';
import { PROBES } from '../../../src/diagnostics/probe-catalog.js';
import { hotKeysProbe } from '../../../src/diagnostics/probes/hot-keys.js';
import { runRunbook } from '../../../src/diagnostics/run-runbook.js';
import { createLogger } from '../../../src/kernel/logger.js';
import { lintRunbook } from '../../../src/runbooks/runbook-loader.js';
import type { Runbook } from '../../../src/runbooks/runbook-schema.js';
import { Topology } from '../../../src/targets/topology.js';

const HOT = 'product:42:price';
const COLD_KEYS = 2000;
const probes = new Map([...PROBES, [hotKeysProbe.name, hotKeysProbe]]);
const logger = createLogger('silent');

function loadHotKeysRunbook(): Runbook {
  const base = builtInCatalogs();
  const { runbook, errors } = lintRunbook(readFileSync('runbooks/hot-keys.yaml', 'utf8'), 'runbooks/hot-keys.yaml', {
    ...base,
    probes: new Set([...base.probes, hotKeysProbe.name]),
    probeParams: new Map([...(base.probeParams ?? []), [hotKeysProbe.name, hotKeysProbe.paramsSchema]]),
  });
  expect(errors).toEqual([]);
  return runbook!;
}

function target(url: string): Target {
  return TargetSchema.parse({ name: 'hot', url, workload: 'cache', match: { instance: 'hot' } });
}

async function seed(client: Redis): Promise<void> {
  const p = client.pipeline();
  for (let i = 0; i < COLD_KEYS; i++) p.set(`item:${i}`, `v${i}`);
  p.set(HOT, '19.99');
  await p.exec();
}

/** Another application: hammers the hot key (and now and then a cold one) until stopped. */
function hammer(url: string): { stop(): Promise<number> } {
  const c = new Redis(url);
  let running = true;
  let sent = 0;
  const loop = (async () => {
    while (running) {
      const p = c.pipeline();
      for (let i = 0; i < 20; i++) p.get(HOT);
      p.get(`item:${sent % COLD_KEYS}`);
      await p.exec();
      sent += 21;
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      c.disconnect();
      return sent;
    },
  };
}

async function diagnose(rb: Runbook, url: string) {
  const topology = new Topology(target(url));
  try {
    return await runRunbook(rb, target(url), topology, probes, logger);
  } finally {
    topology.close();
  }
}

describe('hot-keys under an LFU policy', () => {
  let redis: RedisProcess;
  beforeAll(async () => {
    redis = await startRedis(['--maxmemory-policy', 'allkeys-lfu']);
    const c = redis.client();
    await seed(c);
    // Every key read once, the hot one 5,000 times.
    const p = c.pipeline();
    for (let i = 0; i < COLD_KEYS; i++) p.get(`item:${i}`);
    for (let i = 0; i < 5000; i++) p.get(HOT);
    await p.exec();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('names the hot key with OBJECT FREQ (method lfu-object-freq, confidence high)', async () => {
    const report = await diagnose(loadHotKeysRunbook(), redis.url);
    expect(report.steps.every((s) => s.ok)).toBe(true);
    expect(report.metrics['hot_keys.method']).toBe('lfu-object-freq');
    expect(report.metrics['hot_keys.confidence']).toBe('high');
    expect(report.metrics['hot_keys.top_key']).toBe(HOT);
    expect(report.metrics['hot_keys.sampled']).toBe(COLD_KEYS + 1);
    expect(report.metrics['hot_keys.scan_complete']).toBe(1);
    expect(Number(report.metrics['hot_keys.top_key_freq'])).toBeGreaterThan(
      Number(report.metrics['hot_keys.median_freq']) + 10,
    );
    const finding = report.findings.find((f) => f.id.endsWith('-lfu'));
    expect(finding?.title).toContain(HOT);
    expect(finding?.title).toContain('lfu-object-freq');
    expect(finding?.title).toContain('confidence high');
    const table = report.steps.find((s) => s.probe === 'hot-keys')?.result?.tables[0];
    expect(table?.rows[0]?.[0]).toBe(HOT);
    expect(report.advice.join(' ')).toMatch(/item:0\.\.15/);
  });

  it('falls back to a MONITOR sample, saying why, when an ACL denies OBJECT', async () => {
    await redis.client().call('ACL', 'SETUSER', 'noobject', 'on', '>secret', '~*', '&*', '+@all', '-object');
    const url = `redis://noobject:secret@127.0.0.1:${redis.port}`;
    const topology = new Topology(target(url));
    try {
      const client = await topology.primary();
      const result = await hotKeysProbe.run(
        { client, node: `127.0.0.1:${redis.port}`, target: target(url), topology, logger, timeoutMs: 10_000 },
        hotKeysProbe.paramsSchema.parse({ maxSeconds: 0.2 }),
      );
      expect(result.metrics['hot_keys.method']).toBe('monitor-sample');
      expect(result.notes.join(' ')).toMatch(/fell back: OBJECT FREQ sampling failed \(NOPERM/);
    } finally {
      topology.close();
    }
  });

  it('says so when the scan stops at maxKeys', async () => {
    const c = redis.client();
    const topology = new Topology(target(redis.url));
    try {
      const result = await hotKeysProbe.run(
        { client: c, node: `127.0.0.1:${redis.port}`, target: target(redis.url), topology, logger, timeoutMs: 10_000 },
        hotKeysProbe.paramsSchema.parse({ maxKeys: 100, batchSize: 50 }),
      );
      expect(result.metrics['hot_keys.sampled']).toBe(100);
      expect(result.metrics['hot_keys.scan_complete']).toBe(0);
      expect(result.notes.join(' ')).toMatch(/maxKeys \(100\).*100 of 2001 keys/);
    } finally {
      topology.close();
    }
  });
});

describe('hot-keys without LFU', () => {
  let redis: RedisProcess;
  beforeAll(async () => {
    redis = await startRedis();
    await seed(redis.client());
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('names the key a busy client hammers from a bounded MONITOR sample (method monitor-sample)', async () => {
    const app = hammer(redis.url);
    let report: Awaited<ReturnType<typeof diagnose>>;
    try {
      report = await diagnose(loadHotKeysRunbook(), redis.url);
    } finally {
      expect(await app.stop()).toBeGreaterThan(0);
    }
    expect(report.metrics['hot_keys.method']).toBe('monitor-sample');
    expect(report.metrics['hot_keys.confidence']).toBe('medium');
    expect(report.metrics['hot_keys.top_key']).toBe(HOT);
    expect(report.metrics['hot_keys.top_key_command']).toBe('GET');
    const sampled = Number(report.metrics['hot_keys.sampled']);
    expect(sampled).toBeGreaterThan(100);
    expect(sampled).toBeLessThanOrEqual(20_000);
    expect(Number(report.metrics['hot_keys.sample_seconds'])).toBeLessThanOrEqual(2.5);
    expect(Number(report.metrics['hot_keys.top_key_share_pct'])).toBeGreaterThan(80);
    const finding = report.findings.find((f) => f.id === 'hot-key-monitor');
    expect(finding?.severity).toBe('warning');
    expect(finding?.title).toContain(HOT);
    expect(finding?.title).toMatch(/monitor-sample, confidence medium, \d+ commands seen/);
    const notes = report.steps.find((s) => s.probe === 'hot-keys')?.result?.notes.join(' ');
    expect(notes).toMatch(/costs the server throughput/);
  });

  it('stops at maxLines', async () => {
    const app = hammer(redis.url);
    const topology = new Topology(target(redis.url));
    try {
      const client = await topology.primary();
      const result = await hotKeysProbe.run(
        { client, node: `127.0.0.1:${redis.port}`, target: target(redis.url), topology, logger, timeoutMs: 10_000 },
        hotKeysProbe.paramsSchema.parse({ maxLines: 500, maxSeconds: 10 }),
      );
      expect(result.metrics['hot_keys.sampled']).toBeLessThanOrEqual(500);
      expect(Number(result.metrics['hot_keys.sample_seconds'])).toBeLessThan(5);
      expect(result.notes.join(' ')).toMatch(/stopped by maxLines/);
    } finally {
      topology.close();
      await app.stop();
    }
  });

  it('falls back to INFO commandstats when MONITOR is not allowed: hottest command, no key name', async () => {
    const app = hammer(redis.url);
    const topology = new Topology(target(redis.url));
    try {
      const client = await topology.primary();
      const result = await hotKeysProbe.run(
        { client, node: `127.0.0.1:${redis.port}`, target: target(redis.url), topology, logger, timeoutMs: 10_000 },
        hotKeysProbe.paramsSchema.parse({ allowMonitor: false, maxSeconds: 0.5 }),
      );
      expect(result.metrics['hot_keys.method']).toBe('commandstats');
      expect(result.metrics['hot_keys.confidence']).toBe('low');
      expect(result.metrics['hot_keys.top_command']).toBe('GET');
      expect(result.metrics['hot_keys.top_key']).toBeUndefined();
      expect(result.notes.join(' ')).toMatch(/No key names: .*allowMonitor: false/);
    } finally {
      topology.close();
      await app.stop();
    }
  });

  it('falls back to commandstats, saying why, when an ACL denies MONITOR', async () => {
    const admin = redis.client();
    await admin.call('ACL', 'SETUSER', 'nomonitor', 'on', '>secret', '~*', '&*', '+@all', '-monitor');
    const url = `redis://nomonitor:secret@127.0.0.1:${redis.port}`;
    const topology = new Topology(target(url));
    try {
      const client = await topology.primary();
      const result = await hotKeysProbe.run(
        { client, node: `127.0.0.1:${redis.port}`, target: target(url), topology, logger, timeoutMs: 10_000 },
        hotKeysProbe.paramsSchema.parse({ maxSeconds: 0.2 }),
      );
      expect(result.metrics['hot_keys.method']).toBe('commandstats');
      expect(result.notes.join(' ')).toMatch(/fell back: MONITOR failed \(MONITOR refused: NOPERM/);
    } finally {
      topology.close();
    }
  });

  it('MONITOR sampling skips the bot’s own connection and decodes escaped key names', async () => {
    const own = redis.client();
    const other = redis.client();
    const ownAddr = String(await own.call('CLIENT', 'INFO')).match(/addr=(\S+)/)?.[1] ?? '';
    const weird = 'we"ird key\n\\ é \u0001';
    const seen: MonitorLine[] = [];
    let traffic = true;
    const loop = (async () => {
      while (traffic) {
        await own.get('bot:own:key');
        await other.set(weird, 'v');
      }
    })();
    const run = await sampleMonitor(own, {
      maxMs: 5000,
      maxLines: 200,
      ignoreSources: new Set([ownAddr]),
      onLine: (l) => seen.push(l),
    });
    traffic = false;
    await loop;
    expect(run.stoppedBy).toBe('maxLines');
    expect(run.ignored).toBeGreaterThan(0);
    expect(run.unparsed).toBe(0);
    expect(seen.some((l) => l.args.includes('bot:own:key'))).toBe(false);
    expect(seen.some((l) => l.args[0]?.toLowerCase() === 'set' && l.args[1] === weird)).toBe(true);
  });
});

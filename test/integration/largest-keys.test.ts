import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisProcess, startRedis } from '../../src/devtools/redis-process.js';
import { waitUntil } from '../../src/devtools/wait-until.js';
import { type LargestKeysReport, scanLargestKeys } from '../../src/diagnostics/largest-keys-scan.js';

/** One deliberately big key per type, far bigger than any ordinary key, all under the `big:` prefix. */
const PLANTED = { string: 'big:blob:1', hash: 'big:hash:1', list: 'big:list:1' } as const;
const ORDINARY_PER_PREFIX = 1000;

let redis: RedisProcess;
let client: Redis;
let dbsize: number;

/** Runs `fn` against fresh command statistics and returns them (`cmdstat_<name>` → its line). */
async function commandStats(fn: () => Promise<unknown>): Promise<Map<string, string>> {
  await client.config('RESETSTAT');
  await fn();
  const info = await client.info('commandstats');
  return new Map(
    info
      .split('\r\n')
      .filter((l) => l.startsWith('cmdstat_'))
      .map((l) => [l.slice(0, l.indexOf(':')), l] as const),
  );
}

beforeAll(async () => {
  redis = await startRedis();
  client = redis.client();
  const p = client.pipeline();
  for (let i = 0; i < ORDINARY_PER_PREFIX; i++) {
    p.hset(`user:${i}:profile`, 'name', `user-${i}`, 'email', `user${i}@example.com`);
    p.set(`session:${i.toString(36)}`, 's'.repeat(50 + (i % 200)), 'EX', 3600);
    p.rpush(`queue:mail:${i}`, 'job-a', 'job-b', 'job-c');
    if (i % 2 === 0) p.zadd(`feed:${i}`, 1, 'post:1', 2, 'post:2');
  }
  await p.exec();
  await client.set(PLANTED.string, 'b'.repeat(1024 * 1024));
  const fields: string[] = [];
  for (let f = 0; f < 20_000; f++) fields.push(`f${f}`, `value-${f}`);
  await client.hset(PLANTED.hash, ...fields);
  const items: string[] = [];
  for (let j = 0; j < 50_000; j++) items.push(`item-${j}`);
  await client.rpush(PLANTED.list, ...items);
  dbsize = await client.dbsize();
});

afterAll(async () => {
  await redis?.stop();
});

describe('scanLargestKeys against a real redis-server', () => {
  it('finds the planted keys as the biggest of their types, at the top of topKeys', async () => {
    const report = await scanLargestKeys(client);
    expect(report.complete).toBe(true);
    expect(report.stoppedBy).toBeNull();
    expect(report.keysScanned).toBe(dbsize);
    expect(report.keysVanished).toBe(0);
    expect(report.batches).toBeGreaterThan(1);
    for (const [type, key] of Object.entries(PLANTED)) {
      expect(report.biggestByType.find((k) => k.type === type)?.key, type).toBe(key);
    }
    expect(
      report.topKeys
        .slice(0, 3)
        .map((k) => k.key)
        .sort(),
    ).toEqual(Object.values(PLANTED).sort());
    const bytes = report.topKeys.map((k) => k.bytes);
    expect(bytes).toEqual([...bytes].sort((a, b) => b - a));
    expect(report.totalBytes).toBe(report.byType.reduce((s, t) => s + t.bytes, 0));
  });

  it('splits the memory by prefix: shares sum to ~100% and the planted prefix dominates', async () => {
    const report = await scanLargestKeys(client, { top: 10 });
    const prefixes = report.byPrefix.map((p) => p.prefix);
    expect(prefixes.sort()).toEqual(['big:*', 'feed:*', 'queue:*', 'session:*', 'user:*']);
    const sum = report.byPrefix.reduce((s, p) => s + p.sharePct, 0);
    expect(sum).toBeGreaterThan(99.5);
    expect(sum).toBeLessThan(100.5);
    const top = [...report.byPrefix].sort((a, b) => b.bytes - a.bytes)[0]!;
    expect(top.prefix).toBe('big:*');
    expect(top.keys).toBe(3);
    expect(top.sharePct).toBeGreaterThan(50);
    expect(report.byPrefix.find((p) => p.prefix === 'user:*')?.keys).toBe(ORDINARY_PER_PREFIX);
  });

  it('gives the same figures whatever the batch, burst and pause sizes', async () => {
    const reference = await scanLargestKeys(client);
    // Bursts smaller than a page, pages that are not a multiple of the burst, and a pause before every write.
    for (const opts of [
      { batchSize: 7, burstSize: 3, pauseMs: 0 },
      { batchSize: 50, burstSize: 1, pauseMs: 0 },
      { batchSize: 100, burstSize: 40, workMs: 0, pauseMs: 0.1 },
      { batchSize: 1000, burstSize: 1000, pauseMs: 0 },
      { inFlight: 2 },
      { batchSize: 7, burstSize: 5, inFlight: 3 },
      { pacing: 'fixed' as const },
      { pacing: 'fixed' as const, batchSize: 7, burstSize: 3, inFlight: 2 },
      { loadReadMs: 10, burstSize: 200 },
    ]) {
      const report = await scanLargestKeys(client, opts);
      expect(report.complete, JSON.stringify(opts)).toBe(true);
      expect(report.keysScanned, JSON.stringify(opts)).toBe(dbsize);
      expect(report.totalBytes, JSON.stringify(opts)).toBe(reference.totalBytes);
      expect(report.topKeys, JSON.stringify(opts)).toEqual(reference.topKeys);
    }
  });

  it('stops at the maxKeys budget and says the scan is partial', async () => {
    const report = await scanLargestKeys(client, { maxKeys: 500, batchSize: 64, burstSize: 16 });
    expect(report.complete).toBe(false);
    expect(report.stoppedBy).toBe('maxKeys');
    expect(report.keysScanned).toBe(500);
    expect(report.byType.reduce((s, t) => s + t.keys, 0)).toBe(500);
  });

  it('pauses as the duty cycle says', async () => {
    const report = await scanLargestKeys(client, { workMs: 0, pauseMs: 0.1, burstSize: 200, batchSize: 200 });
    expect(report.complete).toBe(true);
    expect(report.pauses).toBeGreaterThan(5);
    const none = await scanLargestKeys(client, { pacing: 'fixed', pauseMs: 0 });
    expect(none.pauses).toBe(0);
  });

  it('stops at the time budget and says the scan is partial', async () => {
    const report = await scanLargestKeys(client, { maxDurationMs: 1, burstSize: 1, workMs: 0, pauseMs: 1 });
    expect(report.complete).toBe(false);
    expect(report.stoppedBy).toBe('maxDurationMs');
    expect(report.keysScanned).toBeLessThan(dbsize);
  });

  it('returns a partial report, not an error, for an already-aborted signal', async () => {
    const report = await scanLargestKeys(client, { signal: AbortSignal.abort() });
    expect(report.complete).toBe(false);
    expect(report.stoppedBy).toBe('aborted');
    expect(report.keysScanned).toBe(0);
    expect(report.topKeys).toEqual([]);
  });

  it('stops when the signal aborts mid-scan', async () => {
    const ac = new AbortController();
    // One key per write, pausing ≥ 1 ms before each (4,000+ keys: seconds), so the scan is still running when the
    // abort lands, and has sized keys by then even on a loaded machine.
    await client.config('RESETSTAT');
    const pending = scanLargestKeys(client, { burstSize: 1, workMs: 0, pauseMs: 1, signal: ac.signal });
    // Abort once the target has seen the scan size keys (its own MEMORY USAGE count), not after a guessed delay.
    const watcher = client.duplicate();
    await waitUntil(
      async () => /cmdstat_memory\|usage:calls=[1-9]/.test(await watcher.info('commandstats')) || undefined,
      { what: 'the scan to size keys', intervalMs: 5 },
    );
    watcher.disconnect();
    ac.abort();
    const report = await pending;
    expect(report.stoppedBy).toBe('aborted');
    expect(report.keysScanned).toBeGreaterThan(0);
    expect(report.keysScanned).toBeLessThan(dbsize);
  });

  it('honours MATCH, including pages in which nothing matches', async () => {
    const report = await scanLargestKeys(client, { match: 'big:*', batchSize: 20 });
    expect(report.complete).toBe(true);
    expect(report.keysScanned).toBe(3);
    expect(report.topKeys.map((k) => k.key).sort()).toEqual(Object.values(PLANTED).sort());
  });

  it('walks the keyspace with SCAN, never KEYS', async () => {
    const stats = await commandStats(() => scanLargestKeys(client));
    expect(stats.has('cmdstat_keys')).toBe(false);
    expect(stats.has('cmdstat_scan')).toBe(true);
    expect(stats.has('cmdstat_type')).toBe(true);
    expect(stats.has('cmdstat_memory|usage')).toBe(true);
  });

  it('finds the same top key over the client pipeline and the dedicated connection', async () => {
    const viaClient = await scanLargestKeys(client, { transport: 'client' });
    const viaDedicated = await scanLargestKeys(client, { transport: 'dedicated' });
    expect(viaClient.transport.used).toBe('client');
    expect(viaDedicated.transport.used).toBe('dedicated');
    expect(viaClient.topKeys[0]).toBeDefined();
    expect(viaClient.topKeys[0]).toEqual(viaDedicated.topKeys[0]);
    expect(viaClient.totalBytes).toBe(viaDedicated.totalBytes);
    expect(viaClient.keysScanned).toBe(viaDedicated.keysScanned);
  });
});

/** Another application: GETs in pipelines of 20, back to back, until stopped; `running` resolves after the first. */
function hammer(url: string): { running: Promise<void>; stop(): Promise<number> } {
  const c = new Redis(url);
  let go = true;
  let sent = 0;
  let first: () => void = () => {};
  const running = new Promise<void>((resolve) => {
    first = resolve;
  });
  const loop = (async () => {
    while (go) {
      const p = c.pipeline();
      for (let i = 0; i < 20; i++) p.get(`user:${(sent + i) % ORDINARY_PER_PREFIX}:profile`);
      await p.exec();
      sent += 20;
      first();
    }
  })();
  return {
    running,
    async stop() {
      go = false;
      await loop;
      c.disconnect();
      return sent;
    },
  };
}

describe('adaptive pacing against a real redis-server', () => {
  const planted = (report: LargestKeysReport) =>
    Object.entries(PLANTED).every(([type, key]) => report.biggestByType.find((k) => k.type === type)?.key === key);

  it('reads the load in band and runs at the full pace while nobody else uses the node', async () => {
    const report = await scanLargestKeys(client, { loadReadMs: 10 });
    expect(report.complete).toBe(true);
    expect(planted(report)).toBe(true);
    expect(report.pace.mode).toBe('adaptive');
    expect(report.pace.readings).toBeGreaterThanOrEqual(2);
    expect(report.pace.failedReadings).toBe(0);
    expect(report.pace.keysAt.full).toBeGreaterThan(0);
    expect(report.pace.speedups).toBeGreaterThanOrEqual(1);
    expect(report.largestWrite).toBeGreaterThan(5);
    expect(report.pace.trace[0]?.reason).toMatch(/^idle/);
    expect(Object.values(report.pace.keysAt).reduce((a, b) => a + b, 0)).toBe(report.keysScanned);
  });

  it('slows down while another client keeps the node busy, and still finds the planted keys', async () => {
    const app = hammer(redis.url);
    let report: LargestKeysReport;
    try {
      await app.running;
      report = await scanLargestKeys(client, { loadReadMs: 50 });
    } finally {
      expect(await app.stop()).toBeGreaterThan(0);
    }
    expect(report.complete).toBe(true);
    expect(planted(report)).toBe(true);
    expect(report.keysScanned).toBe(dbsize);
    // Never the full pace: at most one redis-cli step's worth of keys per write once the load was read.
    expect(report.pace.keysAt.full).toBe(0);
    expect(report.pace.largestBusyWrite).toBeLessThanOrEqual(16);
    expect(report.pace.keysAt.gentle + report.pace.keysAt.backoff).toBeGreaterThan(0);
    expect(report.pace.peakForeignOpsPerSec).toBeGreaterThanOrEqual(1000);
    expect(report.pace.trace.some((t) => /ops\/s from other clients|busy with other clients/.test(t.reason))).toBe(
      true,
    );
  });

  it('keeps the gentle pace when the node refuses INFO (no readings, no guessing)', async () => {
    await client.call('ACL', 'SETUSER', 'noinfo', 'on', '>secret', '~*', '&*', '+@all', '-info');
    const other = new Redis(`redis://noinfo:secret@127.0.0.1:${redis.port}`, { enableReadyCheck: false });
    try {
      const report = await scanLargestKeys(other, { loadReadMs: 10 });
      expect(report.complete).toBe(true);
      expect(planted(report)).toBe(true);
      expect(report.pace.keysAt.full).toBe(0);
      expect(report.pace.lastReason).toMatch(/no load readings \(NOPERM/);
      expect(report.largestWrite).toBeLessThanOrEqual(5);
    } finally {
      other.disconnect();
    }
  });
});

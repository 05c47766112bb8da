/**
 * The key scans against redis-cli on a throwaway redis-server holding a seeded dataset (bench/dataset.ts): our
 * largest-keys scan vs `redis-cli --memkeys` and our hot-keys (LFU) scan vs `redis-cli --hotkeys`, at 200k and 1M
 * keys (BENCH_QUICK: 50k, one round). Measured as production runs them: redis-server pinned to CPU 0 (`taskset`),
 * the scanners and the load client on CPU 1, as when the bot runs on another host than the node it scans.
 *
 * - Wall time of each scan alone (shuffled rounds, medians; the ratio is the median of per-round ratios) and its
 *   time per key, at each size (the time per key should not grow with the keyspace).
 * - Target impact (200k): the GET p99 of a concurrent `redis-benchmark` (10 clients, pinned with the scanner) while
 *   each scanner runs back to back in processes of its own (redis-cli; ours: bench/support/scan-child.ts), against
 *   a baseline without a scan (paired per round); once as is, once with the scanners at SCHED_IDLE (`chrt --idle`:
 *   they never take CPU 1 from the load client, as when the bot runs on another host, so the rise is the server's);
 *   and the server's own view, from INFO commandstats deltas of the normally scheduled runs: server time per key, and the server time of the
 *   longest write a scanner made (keys per write × usec per call; redis-cli sends SCAN, then its TYPEs, then its
 *   MEMORY USAGEs of one page as three round trips, ours sends the keys' commands and the next SCAN in one write,
 *   fewer keys per write while others use the node).
 *
 * Env: BENCH_KEYS / BENCH_KEYS_LARGE (sizes), BENCH_SEED (42), BENCH_ROUNDS, BENCH_GET_N (GETs per p99 run),
 * BENCH_GET_CLIENTS (10).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { startRedis } from '../src/devtools/redis-process.js';
import { scanLfu } from '../src/diagnostics/hot-keys-lfu.js';
import { scanLargestKeys } from '../src/diagnostics/largest-keys-scan.js';
import type { PacedScanResult } from '../src/diagnostics/paced-scan.js';
import { generateDataset } from './dataset.js';
import { affinity, loadAverage, median, pin, runCommand, watched } from './support/machine.js';
import { type CliKey, parseHotkeys, parseMemkeys } from './support/redis-cli.js';
import { type BenchContext, type BenchRow, row } from './support/rows.js';
import type { ChildReport } from './support/scan-child.js';

const HOT_KEY = 'hot:item:42';
const NO_BUDGET = { maxKeys: 100_000_000, maxDurationMs: 3_600_000 };

interface ScanOutcome {
  found: CliKey[];
  report?: PacedScanResult;
}
/** A scanner running back to back in its own process(es) until stopped; `stop` returns what ours reported. */
interface Loop {
  ready: Promise<void>;
  stop(): Promise<ChildReport[]>;
}
interface Scanner {
  label: string;
  ours: boolean;
  /** One scan in this process (redis-cli: one process), timed alone. */
  scan(signal?: AbortSignal): Promise<ScanOutcome>;
  /** Scans back to back in other processes, scheduled as `sched`, while the load runs. */
  loop(sched: Sched): Loop;
}
interface Latency {
  rps: number;
  p50: number;
  p99: number;
}
type CommandStats = Map<string, { calls: number; usec: number }>;
interface LoadRun {
  get: Latency;
  stats: CommandStats;
  ms: number;
  reports: ChildReport[];
}

const CHILD = join(import.meta.dirname, 'support', 'scan-child.ts');

/** How the scanner processes are scheduled on CPU 1 beside the load client. */
type Sched = 'normal' | 'idle';
/** `chrt --idle 0` (SCHED_IDLE): the scanner runs only when CPU 1 has nothing else to run. */
const scheduled = (sched: Sched, cmd: string, args: string[]): [string, string[]] =>
  sched === 'idle' ? ['chrt', ['--idle', '0', cmd, ...args]] : [cmd, args];

/** redis-cli in a loop, each run scheduled as `sched`, until stopped. */
function cliLoop(port: number, mode: string, sched: Sched): Loop {
  const ac = new AbortController();
  const [cmd, args] = scheduled(sched, 'redis-cli', ['-p', String(port), mode]);
  const loop = (async () => {
    while (!ac.signal.aborted) await runCommand(cmd, args, ac.signal);
  })();
  return {
    ready: Promise.resolve(),
    async stop() {
      ac.abort();
      await loop;
      return [];
    },
  };
}

/** Our scanner in its own process (bench/support/scan-child.ts) scheduled as `sched`, scanning until SIGTERM. */
function childLoop(port: number, kind: 'largest' | 'hot', sched: Sched): Loop {
  const [cmd, args] = scheduled(sched, process.execPath, ['--import', 'tsx', CHILD, String(port), kind]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.startsWith('ready\n')) resolve();
    });
    void exited.then((code) =>
      reject(new Error(`scan child exited (${code}) before it was ready: ${err.slice(-500)}`)),
    );
  });
  ready.catch(() => {});
  return {
    ready,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      const last = out.trim().split('\n').at(-1) ?? '[]';
      return last === 'ready' ? [] : (JSON.parse(last) as ChildReport[]);
    },
  };
}

const shuffle = <T>(xs: T[]): T[] => {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
};

function cliScanner(port: number, mode: '--memkeys' | '--hotkeys'): Scanner {
  return {
    label: `redis-cli ${mode}`,
    ours: false,
    loop: (sched) => cliLoop(port, mode, sched),
    async scan(signal) {
      const { out, code } = await runCommand('redis-cli', ['-p', String(port), mode], signal);
      if (code !== 0 && !signal?.aborted) throw new Error(`redis-cli ${mode} exited with ${code}`);
      return { found: mode === '--memkeys' ? parseMemkeys(out) : parseHotkeys(out) };
    },
  };
}

function oursLargest(client: Redis, port: number): Scanner {
  return {
    label: 'ours (largest keys)',
    ours: true,
    loop: (sched) => childLoop(port, 'largest', sched),
    async scan(signal) {
      const report = await scanLargestKeys(client, { ...NO_BUDGET, ...(signal ? { signal } : {}) });
      if (!signal && !report.complete) throw new Error(`largest-keys scan stopped at ${report.stoppedBy}`);
      return { found: [...report.biggestByType, ...report.topKeys], report };
    },
  };
}

function oursHot(client: Redis, port: number): Scanner {
  return {
    label: 'ours (hot keys)',
    ours: true,
    loop: (sched) => childLoop(port, 'hot', sched),
    async scan(signal) {
      const report = await scanLfu(client, { top: 10, ...NO_BUDGET, signal });
      if (!signal && !report.complete) throw new Error(`hot-keys scan stopped at ${report.stoppedBy}`);
      return { found: report.top.map((t) => ({ key: t.key, freq: t.freq })), report };
    },
  };
}

/** `redis-benchmark --csv` 7.0: header, then `"GET","rps","avg","min","p50","p95","p99","max"`. */
async function getLatency(port: number, n: number, clients: number): Promise<Latency> {
  const args = ['-p', String(port), '-t', 'get', '-n', String(n), '-c', String(clients), '--csv'];
  const { out, code } = await runCommand('redis-benchmark', args);
  const line = out.split('\n').find((l) => l.startsWith('"GET"'));
  if (code !== 0 || !line) throw new Error(`redis-benchmark failed (${code}): ${out}`);
  const f = line.split(',').map((c) => Number(c.replaceAll('"', '')));
  return { rps: f[1]!, p50: f[4]!, p99: f[6]! };
}

function commandStats(text: string): CommandStats {
  const out: CommandStats = new Map();
  for (const line of text.split(/\r?\n/)) {
    const m = /^cmdstat_(\S+):calls=(\d+),usec=(\d+)/.exec(line);
    if (m) out.set(m[1]!, { calls: Number(m[2]), usec: Number(m[3]) });
  }
  return out;
}

/**
 * GET latency while `scanner` (if any) runs back to back scheduled as `sched`, with the server's command statistics of that
 * run. The scanner starts first (ours: its process is up and connected), then the load; both stop together.
 */
async function underLoad(
  client: Redis,
  port: number,
  scanner: Scanner | undefined,
  o: LoadOptions & { sched: Sched },
): Promise<LoadRun> {
  const loop = scanner?.loop(o.sched);
  await loop?.ready;
  await client.config('RESETSTAT');
  const t0 = performance.now();
  let get: Latency;
  let reports: ChildReport[] = [];
  try {
    get = await getLatency(port, o.getN, o.getClients);
  } finally {
    reports = (await loop?.stop()) ?? [];
  }
  const ms = performance.now() - t0;
  return { get, ms, reports, stats: commandStats(await client.info('commandstats')) };
}

interface LoadOptions {
  getN: number;
  getClients: number;
}

const per = (s: CommandStats, name: string) => {
  const c = s.get(name);
  return c && c.calls > 0 ? { calls: c.calls, usecPerCall: c.usec / c.calls, usec: c.usec } : undefined;
};

/** The server's view of one loaded run: scan time per key, and the server time of the scanner's longest write. */
function serverView(run: LoadRun, scanner: Scanner, perKeyCommands: string[]) {
  const s = run.stats;
  const scan = per(s, 'scan');
  const cmds = perKeyCommands.map((n) => per(s, n));
  const keys = cmds[0]?.calls ?? 0;
  const usec = (scan?.usec ?? 0) + cmds.reduce((t, c) => t + (c?.usec ?? 0), 0);
  const perKeyUsec = keys > 0 ? usec / keys : Number.NaN;
  let burstUs: number;
  let keysPerWrite: number;
  if (scanner.ours) {
    // One write: its keys' commands and the next SCAN. The largest write while others were active (the pace slower
    // than full), else the largest write.
    const busy = Math.max(0, ...run.reports.map((r) => r.largestBusyWrite));
    keysPerWrite = busy > 0 ? busy : Math.max(0, ...run.reports.map((r) => r.largestWrite));
    burstUs = keysPerWrite * cmds.reduce((t, c) => t + (c?.usecPerCall ?? 0), 0) + (scan?.usecPerCall ?? 0);
  } else {
    // redis-cli: one pipeline per command kind for the keys of one SCAN page (COUNT 10), one round trip each.
    keysPerWrite = scan ? keys / scan.calls : 0;
    burstUs = Math.max(scan?.usecPerCall ?? 0, ...cmds.map((c) => keysPerWrite * (c?.usecPerCall ?? 0)));
  }
  return { perKeyUsec, burstUs, keysPerWrite, keysPerSec: keys / (run.ms / 1000) };
}

/** Rounds of `scanners` alone, shuffled: median wall ms each, median of the per-round ratio ours / redis-cli. */
async function walls(scanners: [Scanner, Scanner], rounds: number, check: (o: ScanOutcome, s: Scanner) => void) {
  const samples = new Map<string, number[]>(scanners.map((s) => [s.label, []]));
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const round = new Map<string, number>();
    for (const s of shuffle(scanners)) {
      const t0 = performance.now();
      const outcome = await s.scan();
      const ms = performance.now() - t0;
      check(outcome, s);
      round.set(s.label, ms);
      samples.get(s.label)!.push(ms);
    }
    ratios.push(round.get(scanners[1].label)! / round.get(scanners[0].label)!);
  }
  return {
    cli: median(samples.get(scanners[0].label)!),
    ours: median(samples.get(scanners[1].label)!),
    ratio: median(ratios),
    runs: (s: Scanner) =>
      samples
        .get(s.label)!
        .map((x) => x.toFixed(0))
        .join('/'),
  };
}

/** Rounds of baseline / redis-cli / ours under the GET load, shuffled; rises paired per round. */
async function impact(
  client: Redis,
  port: number,
  scanners: [Scanner, Scanner],
  perKeyCommands: string[],
  rounds: number,
  o: LoadOptions,
) {
  const rises = new Map<string, number[]>();
  const baseP99: number[] = [];
  const views = new Map<string, Array<ReturnType<typeof serverView>>>(scanners.map((s) => [s.label, []]));
  const paces: ChildReport[] = [];
  // Each round, in a shuffled order: the baseline, both scanners scheduled normally, both at SCHED_IDLE.
  const runs: Array<{ s: Scanner | undefined; sched: Sched }> = [
    { s: undefined, sched: 'normal' },
    ...scanners.flatMap((s) => [
      { s, sched: 'normal' as const },
      { s, sched: 'idle' as const },
    ]),
  ];
  const key = (label: string, sched: Sched) => `${label}@${sched}`;
  for (let r = 0; r < rounds; r++) {
    const round = new Map<string, LoadRun>();
    for (const { s, sched } of shuffle(runs)) {
      round.set(key(s?.label ?? 'base', sched), await underLoad(client, port, s, { ...o, sched }));
    }
    const base = round.get(key('base', 'normal'))!.get.p99;
    baseP99.push(base);
    for (const s of scanners) {
      for (const sched of ['normal', 'idle'] as const) {
        const k = key(s.label, sched);
        rises.set(k, [...(rises.get(k) ?? []), round.get(k)!.get.p99 - base]);
      }
      const run = round.get(key(s.label, 'normal'))!;
      views.get(s.label)!.push(serverView(run, s, perKeyCommands));
      if (s.ours) paces.push(...run.reports);
    }
  }
  const summary = (s: Scanner) => {
    const v = views.get(s.label)!;
    return {
      rise: median(rises.get(key(s.label, 'normal'))!),
      riseIdle: median(rises.get(key(s.label, 'idle'))!),
      burstUs: median(v.map((x) => x.burstUs)),
      keysPerWrite: median(v.map((x) => x.keysPerWrite)),
      perKeyUsec: median(v.map((x) => x.perKeyUsec)),
      keysPerSec: median(v.map((x) => x.keysPerSec)),
    };
  };
  const levels = new Map<string, number>();
  for (const p of paces) for (const [l, ms] of Object.entries(p.msAt)) levels.set(l, (levels.get(l) ?? 0) + ms);
  const total = [...levels.values()].reduce((a, b) => a + b, 0);
  const paceMix = [...levels]
    .filter(([, ms]) => ms > 0)
    .map(([l, ms]) => `${l} ${Math.round((ms / Math.max(1, total)) * 100)}%`)
    .join(', ');
  return { base: median(baseP99), cli: summary(scanners[0]), ours: summary(scanners[1]), paceMix };
}

/** Rows for one scan kind (largest keys or hot keys) at one size. */
async function scanKind(
  ctx: BenchContext,
  k: {
    section: string;
    client: Redis;
    port: number;
    scanners: [Scanner, Scanner];
    keys: number;
    rounds: number;
    warmUp: boolean;
    check: (o: ScanOutcome, s: Scanner) => void;
    foundOk: () => boolean;
    foundLabel: string;
    impact?: { perKeyCommands: string[]; load: LoadOptions };
  },
): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const [cli, ours] = k.scanners;
  if (k.warmUp) {
    // The first walk of a fresh keyspace and the JIT's first pass are slower; not measured.
    for (const s of k.scanners) k.check(await s.scan(), s);
  }
  const w = await walls(k.scanners, k.rounds, k.check);
  ctx.log(`${k.section}: ${cli.label} ${w.runs(cli)} ms, ours ${w.runs(ours)} ms`);
  const us = (ms: number) => (ms * 1000) / k.keys;
  rows.push(
    row(k.section, `scan time, ours (alone; ${cli.label} ${(w.cli / 1000).toFixed(2)} s)`, w.ours / 1000, 's'),
    row(k.section, `scan time ratio ours / ${cli.label}`, w.ratio, '×', '≤ 0.3×', w.ratio <= 0.3),
    row(k.section, `time per key, ours / ${cli.label}`, `${us(w.ours).toFixed(2)} / ${us(w.cli).toFixed(2)}`, 'µs'),
    row(k.section, k.foundLabel, k.foundOk() ? 'yes' : 'no', '', 'yes, every run', k.foundOk()),
  );
  if (k.impact) {
    const im = await impact(k.client, k.port, k.scanners, k.impact.perKeyCommands, k.rounds, k.impact.load);
    ctx.log(
      `${k.section}: GET p99 base ${im.base.toFixed(3)} ms, rise cli ${im.cli.rise.toFixed(3)} / ours ${im.ours.rise.toFixed(3)} ms; ` +
        `burst cli ${im.cli.burstUs.toFixed(0)} µs (${im.cli.keysPerWrite.toFixed(1)} keys) / ours ${im.ours.burstUs.toFixed(0)} µs (${im.ours.keysPerWrite} keys); pace ${im.paceMix}`,
    );
    const signed = (n: number) => `${n >= 0 ? '+' : ''}${n.toFixed(3)}`;
    rows.push(
      row(k.section, 'GET p99 without a scan (redis-benchmark, pinned)', im.base, 'ms'),
      row(k.section, `GET p99 rise under ${cli.label}`, signed(im.cli.rise), 'ms'),
      row(
        k.section,
        'GET p99 rise under ours',
        signed(im.ours.rise),
        'ms',
        `≤ redis-cli's (${signed(im.cli.rise)})`,
        im.ours.rise <= im.cli.rise,
      ),
      row(k.section, `GET p99 rise under ${cli.label}, scanners at SCHED_IDLE`, signed(im.cli.riseIdle), 'ms'),
      row(
        k.section,
        'GET p99 rise under ours, scanners at SCHED_IDLE',
        signed(im.ours.riseIdle),
        'ms',
        `≤ redis-cli's (${signed(im.cli.riseIdle)})`,
        im.ours.riseIdle <= im.cli.riseIdle,
        'chrt --idle: the scanners never take CPU 1 from the load client, as when the bot runs on another host, so the rise is the server-side one',
      ),
      row(
        k.section,
        `server: longest write, ${cli.label} (${im.cli.keysPerWrite.toFixed(1)} keys)`,
        im.cli.burstUs,
        'µs',
      ),
      row(
        k.section,
        `server: longest write while loaded, ours (${im.ours.keysPerWrite} keys)`,
        im.ours.burstUs,
        'µs',
        `≤ redis-cli's (${im.cli.burstUs.toFixed(0)} µs)`,
        im.ours.burstUs <= im.cli.burstUs * 1.05,
      ),
      row(
        k.section,
        'server: scan time per key, ours / redis-cli (loaded)',
        `${im.ours.perKeyUsec.toFixed(2)} / ${im.cli.perKeyUsec.toFixed(2)}`,
        'µs',
      ),
      row(
        k.section,
        `ours while loaded: pace ${im.paceMix || 'n/a'} (redis-cli ${Math.round(im.cli.keysPerSec)} keys/s)`,
        Math.round(im.ours.keysPerSec),
        'keys/s',
      ),
    );
  }
  return rows;
}

/** Writes `n` GETs of the hot key so its LFU counter stands out (logarithmic: ~30k hits give ~100+). */
async function heatUp(client: Redis, n: number): Promise<void> {
  await client.set(HOT_KEY, 'price=19.99');
  for (let done = 0; done < n; done += 1000) {
    const p = client.pipeline();
    for (let i = 0; i < 1000; i++) p.get(HOT_KEY);
    await p.exec();
  }
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const env = ctx.env;
  const sizes = ctx.quick
    ? [Number(env.BENCH_KEYS ?? 50_000)]
    : [Number(env.BENCH_KEYS ?? 200_000), Number(env.BENCH_KEYS_LARGE ?? 1_000_000)];
  const rounds = Number(env.BENCH_ROUNDS ?? (ctx.quick ? 1 : 3));
  const load: LoadOptions = {
    getN: Number(env.BENCH_GET_N ?? (ctx.quick ? 50_000 : 150_000)),
    getClients: Number(env.BENCH_GET_CLIENTS ?? 10),
  };
  const seed = Number(env.BENCH_SEED ?? 42);
  const rows: BenchRow[] = [];
  const ownAffinity = affinity();
  const pinned = pin(process.pid, '1');
  const perKey = new Map<number, number>();
  try {
    for (const [i, keys] of sizes.entries()) {
      const first = i === 0;
      const redis = await startRedis(['--maxmemory-policy', 'allkeys-lfu']);
      const serverPinned = pinned && pin(redis.pid, '0');
      const client = redis.client();
      try {
        const started = loadAverage();
        const ds = await generateDataset(client, { keys, seed });
        await heatUp(client, 30_000);
        ctx.log(`scan bench: ${keys} keys written in ${(ds.durationMs / 1000).toFixed(1)} s; load ${started}`);
        const { value: sectionRows, foreign } = await watched([redis.pid], async () => {
          const out: BenchRow[] = [];
          // Largest keys.
          const memCli = cliScanner(redis.port, '--memkeys');
          const memOurs = oursLargest(client, redis.port);
          let cliBiggest: CliKey[] = [];
          let covered = true;
          const label = `largest keys ${keys >= 1e6 ? `${keys / 1e6}M` : `${keys / 1e3}k`}`;
          out.push(
            ...(await scanKind(ctx, {
              section: label,
              client,
              port: redis.port,
              scanners: [memCli, memOurs],
              keys,
              rounds: keys >= 1_000_000 ? 1 : rounds,
              warmUp: keys < 1_000_000 && !ctx.quick,
              check: (o, s) => {
                if (!s.ours) cliBiggest = o.found;
                else covered &&= cliBiggest.every((b) => o.found.some((f) => f.key === b.key));
              },
              foundOk: () => covered && cliBiggest.length > 0,
              foundLabel: "redis-cli's biggest key of each type found by ours",
              ...(first ? { impact: { perKeyCommands: ['type', 'memory|usage'], load } } : {}),
            })),
          );
          const oursRow = out.find((r) => r.name.startsWith('time per key'));
          if (oursRow) perKey.set(keys, Number(String(oursRow.value).split(' / ')[0]));
          if (!first) return out;
          // Hot keys, on the same dataset under allkeys-lfu.
          let hotOk = true;
          out.push(
            ...(await scanKind(ctx, {
              section: `hot keys ${keys / 1e3}k (LFU)`,
              client,
              port: redis.port,
              scanners: [cliScanner(redis.port, '--hotkeys'), oursHot(client, redis.port)],
              keys,
              rounds,
              warmUp: !ctx.quick,
              check: (o) => {
                hotOk &&= o.found[0]?.key === HOT_KEY;
              },
              foundOk: () => hotOk,
              foundLabel: `the hot key (${HOT_KEY}) first for both`,
              impact: { perKeyCommands: ['object|freq'], load },
            })),
          );
          return out;
        });
        rows.push(...sectionRows);
        rows.push(
          row(
            `largest keys ${keys >= 1e6 ? `${keys / 1e6}M` : `${keys / 1e3}k`}`,
            'machine while measured: load average / other processes',
            `${started} / ${foreign.toFixed(2)} cores`,
            '',
            '',
            null,
          ),
        );
        if (first) {
          rows.push(
            row(
              'scans',
              'pinning',
              serverPinned ? 'redis-server CPU 0; scanners + redis-benchmark CPU 1' : 'not pinned (taskset missing)',
              '',
            ),
          );
        }
      } finally {
        client.disconnect();
        await redis.stop();
      }
    }
  } finally {
    if (pinned) pin(process.pid, ownAffinity);
  }
  if (sizes.length > 1) {
    const a = perKey.get(sizes[0]!);
    const b = perKey.get(sizes[1]!);
    if (a && b) {
      rows.push(
        row(
          'scans',
          `time per key ${sizes[1]! / 1e6}M / ${sizes[0]! / 1e3}k (ours, ${b.toFixed(2)} / ${a.toFixed(2)} µs)`,
          b / a,
          '×',
          'constant (≤ 1.25×)',
          b / a <= 1.25,
        ),
      );
    }
  }
  return rows;
}

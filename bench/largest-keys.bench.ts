/**
 * Largest-keys scan vs `redis-cli --memkeys` on a throwaway redis-server holding a seeded 200k-key dataset.
 * Measures, in one run: wall time of each (median of RUNS), whether redis-cli's biggest key of each type is among
 * ours, and the GET p99 of a concurrent `redis-benchmark` while each scanner runs in a loop, against a baseline.
 *
 * Env knobs: BENCH_KEYS (200000), BENCH_SEED (42), BENCH_RUNS (3), BENCH_GET_N (GETs per p99 run, 100000),
 * BENCH_BATCH / BENCH_PAUSE (override the scan's defaults, for tuning), BENCH_NAIVE=1 (also measure batch 1000
 * with no pause). Exits non-zero only when something crashes; missed targets are reported, not failed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Redis } from 'ioredis';
import { startRedis } from '../src/devtools/redis-process.js';
import { formatBytes } from '../src/diagnostics/format-bytes.js';
import { type LargestKeysOptions, scanLargestKeys } from '../src/diagnostics/largest-keys-scan.js';
import { generateDataset } from './dataset.js';

const env = process.env;
const KEYS = Number(env.BENCH_KEYS ?? 200_000);
const SEED = Number(env.BENCH_SEED ?? 42);
const RUNS = Math.max(1, Number(env.BENCH_RUNS ?? 3));
const GET_N = Number(env.BENCH_GET_N ?? 100_000);
const TUNED: LargestKeysOptions = {
  ...(env.BENCH_BATCH ? { batchSize: Number(env.BENCH_BATCH) } : {}),
  ...(env.BENCH_PAUSE ? { pauseMs: Number(env.BENCH_PAUSE) } : {}),
};
const NAIVE: LargestKeysOptions = { batchSize: 1000, pauseMs: 0 };

interface Biggest {
  type: string;
  key: string;
  bytes: number;
}
interface GetLatency {
  rps: number;
  p50: number;
  p99: number;
  max: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const ms = (n: number) => `${n.toFixed(0)} ms`;
const lat = (n: number) => `${n.toFixed(3)} ms`;

/** Runs a command to completion; `signal` kills it by PID (used to stop a scanner when the load run ends). */
function run(cmd: string, args: string[], signal?: AbortSignal): Promise<{ out: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const kill = () => child.kill('SIGTERM');
    signal?.addEventListener('abort', kill, { once: true });
    child.once('error', reject);
    child.once('exit', (code) => {
      signal?.removeEventListener('abort', kill);
      resolve({ out, code });
    });
  });
}

/** redis-cli prints keys through sdscatrepr: `'"user:1"'`, with C escapes for unprintable bytes. */
export function unrepr(s: string): string {
  if (!(s.startsWith('"') && s.endsWith('"'))) return s;
  const esc: Record<string, string> = { n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b', '"': '"', '\\': '\\' };
  return s
    .slice(1, -1)
    .replace(/\\x([0-9a-fA-F]{2})|\\(.)/g, (_, hex: string | undefined, c: string) =>
      hex ? String.fromCharCode(Number.parseInt(hex, 16)) : (esc[c] ?? c),
    );
}

/** Parses the summary of redis-cli 7.0: `Biggest   list found '"q"' has 144 bytes`. */
export function parseMemkeys(out: string): Biggest[] {
  return [...out.matchAll(/^Biggest\s+(\S+) found '(.*)' has (\d+) bytes$/gm)].map((m) => ({
    type: m[1]!,
    key: unrepr(m[2]!),
    bytes: Number(m[3]),
  }));
}

async function redisCli(port: number, signal?: AbortSignal): Promise<{ wallMs: number; biggest: Biggest[] }> {
  const t0 = performance.now();
  const { out, code } = await run('redis-cli', ['-p', String(port), '--memkeys'], signal);
  if (code !== 0 && !signal?.aborted) throw new Error(`redis-cli --memkeys exited with ${code}`);
  return { wallMs: performance.now() - t0, biggest: parseMemkeys(out) };
}

/** `redis-benchmark --csv` 7.0: header, then `"GET","rps","avg","min","p50","p95","p99","max"`. */
async function getLatency(port: number): Promise<GetLatency> {
  const args = ['-p', String(port), '-t', 'get', '-n', String(GET_N), '-c', '10', '--csv'];
  const { out, code } = await run('redis-benchmark', args);
  const row = out.split('\n').find((l) => l.startsWith('"GET"'));
  if (code !== 0 || !row) throw new Error(`redis-benchmark failed (${code}): ${out}`);
  const f = row.split(',').map((c) => Number(c.replaceAll('"', '')));
  return { rps: f[1]!, p50: f[4]!, p99: f[6]!, max: f[7]! };
}

/** GET latency while `scan` runs back to back for the whole benchmark, so every GET overlaps a scan. */
async function latencyUnder(port: number, scan: (signal: AbortSignal) => Promise<unknown>): Promise<GetLatency> {
  const ac = new AbortController();
  const loop = (async () => {
    while (!ac.signal.aborted) await scan(ac.signal);
  })();
  try {
    return await getLatency(port);
  } finally {
    ac.abort();
    await loop;
  }
}

async function ours(client: Redis, opts: LargestKeysOptions, label: string, port: number) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await scanLargestKeys(client, opts));
  const last = runs.at(-1)!;
  if (!last.complete) throw new Error(`${label} scan stopped at ${last.stoppedBy}; raise its budgets`);
  const loads: GetLatency[] = [];
  for (let i = 0; i < RUNS; i++)
    loads.push(await latencyUnder(port, (signal) => scanLargestKeys(client, { ...opts, signal })));
  return {
    label,
    wallMs: median(runs.map((r) => r.durationMs)),
    walls: runs.map((r) => r.durationMs),
    p99: median(loads.map((l) => l.p99)),
    p99s: loads.map((l) => l.p99),
    rps: median(loads.map((l) => l.rps)),
    report: last,
  };
}

async function main(): Promise<void> {
  const redis = await startRedis();
  const client = redis.client();
  try {
    console.log(`redis-server pid ${redis.pid} port ${redis.port}; writing ${KEYS} keys (seed ${SEED})…`);
    const ds = await generateDataset(client, { keys: KEYS, seed: SEED });
    const used = /used_memory:(\d+)/.exec(await client.info('memory'))?.[1];
    console.log(
      `dataset: ${await client.dbsize()} keys, ${ds.withTtl} with TTL, used_memory ${formatBytes(Number(used))},` +
        ` written in ${ms(ds.durationMs)}; planted: ${ds.planted.map((p) => p.key).join(', ')}`,
    );

    const baseline: GetLatency[] = [];
    for (let i = 0; i < RUNS; i++) baseline.push(await getLatency(redis.port));
    const baseP99 = median(baseline.map((b) => b.p99));

    const cliRuns = [];
    for (let i = 0; i < RUNS; i++) cliRuns.push(await redisCli(redis.port));
    const cliLoads: GetLatency[] = [];
    for (let i = 0; i < RUNS; i++) cliLoads.push(await latencyUnder(redis.port, (s) => redisCli(redis.port, s)));
    const cli = {
      wallMs: median(cliRuns.map((r) => r.wallMs)),
      p99: median(cliLoads.map((l) => l.p99)),
      rps: median(cliLoads.map((l) => l.rps)),
      biggest: cliRuns.at(-1)!.biggest,
    };

    const tuned = await ours(client, TUNED, 'ours (defaults)', redis.port);
    const variants = [tuned];
    if (env.BENCH_NAIVE === '1') variants.push(await ours(client, NAIVE, 'ours naive (1000/0)', redis.port));

    const o = tuned.report.options;
    console.log(`\nscan options: batchSize ${o.batchSize}, pauseMs ${o.pauseMs}, samples ${o.samples}; runs: ${RUNS}`);
    console.log(`baseline GET p99 (no scan): ${baseline.map((b) => lat(b.p99)).join(', ')} → median ${lat(baseP99)}`);
    const rows = [
      ['scanner', 'wall (median)', 'GET p99 under scan', 'p99 rise', 'GET rps', 'runs (wall ms)'],
      [
        'redis-cli --memkeys',
        ms(cli.wallMs),
        lat(cli.p99),
        lat(cli.p99 - baseP99),
        cli.rps.toFixed(0),
        cliRuns.map((r) => r.wallMs.toFixed(0)).join(' / '),
      ],
      ...variants.map((v) => [
        v.label,
        ms(v.wallMs),
        lat(v.p99),
        lat(v.p99 - baseP99),
        v.rps.toFixed(0),
        v.walls.join(' / '),
      ]),
    ];
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
    for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c]!)).join('  '));

    console.log('\nbiggest of each type (redis-cli → ours):');
    const rep = tuned.report;
    let covered = cli.biggest.length > 0;
    for (const b of cli.biggest) {
      const mine = rep.biggestByType.find((k) => k.type === b.type);
      const hit = mine?.key === b.key || rep.topKeys.some((k) => k.key === b.key);
      covered &&= hit;
      console.log(
        `  ${b.type.padEnd(6)} ${b.key} ${formatBytes(b.bytes)} → ${mine ? `${mine.key} ${formatBytes(mine.bytes)}` : 'none'} ${hit ? 'ok' : 'MISSING'}`,
      );
    }
    console.log(`\nratio ours/redis-cli: ${(tuned.wallMs / cli.wallMs).toFixed(2)} (target ≤ 0.5)`);
    console.log(
      `p99 rise ours: ${lat(tuned.p99 - baseP99)} vs redis-cli: ${lat(cli.p99 - baseP99)} (target: ours ≤ redis-cli)`,
    );
    console.log(`biggest-of-type covered: ${covered ? 'yes' : 'no'}`);
  } finally {
    client.disconnect();
    await redis.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

/**
 * `npm run bench`: every benchmark of the bot in one go, printed as one table (each figure beside its goal) and
 * written to BENCH.md with the machine it ran on and how to reproduce it. `BENCH_QUICK=1` runs a ~1-minute subset.
 * `BENCH_ONLY=scan,storm` runs only the named modules (scan, acks, webhook, storm); BENCH_OUT=path writes the
 * Markdown elsewhere (BENCH_OUT=- not at all).
 *
 * Modules: `bench/<name>.bench.ts`, each exporting `run(ctx): Promise<BenchRow[]>` (bench/support/rows.ts). They
 * run one after another, never two at once: the machine has 2 cores. A module that is missing or throws becomes a
 * row saying so; the others still run. Exits 1 when a module crashed, 0 otherwise (a missed goal is a MISSED row,
 * not a failure).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { errorMessage } from '../src/kernel/errors.js';
import { loadAverage, machineFacts } from './support/machine.js';
import { type BenchContext, type BenchModule, type BenchRow, renderMarkdown, renderText, row } from './support/rows.js';

const MODULES: Array<{ name: string; what: string }> = [
  { name: 'scan', what: 'largest keys and hot keys vs redis-cli (200k, 1M), target impact pinned' },
  // A module whose file is missing becomes a "not measured" row, so a checkout without one still gives the table.
  { name: 'acks', what: 'ack latency (slash, click, mention), /metrics and /incident status at 10k / 50k open' },
  { name: 'webhook', what: 'webhook → root post latency, ingest req/s, bot RSS idle' },
  { name: 'storm', what: '1,000 alerts over 250 targets through a real Alertmanager' },
];

const env = process.env;
const quick = env.BENCH_QUICK === '1';
const only = env.BENCH_ONLY ? new Set(env.BENCH_ONLY.split(',').map((s) => s.trim())) : undefined;
const started = new Date();
const t0 = performance.now();
const log = (line: string) =>
  process.stdout.write(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
const ctx: BenchContext = { quick, log, env };

async function load(name: string): Promise<BenchModule | undefined> {
  const file = join(import.meta.dirname, `${name}.bench.ts`);
  if (!existsSync(file)) return undefined;
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  // `run` by convention; a default export or a module's only exported function will do as well.
  const fn = mod.run ?? mod.default ?? Object.values(mod).find((v) => typeof v === 'function');
  return typeof fn === 'function' ? (fn as BenchModule) : undefined;
}

async function main(): Promise<number> {
  const facts = machineFacts();
  const loadStart = loadAverage();
  log(
    `bench (${quick ? 'quick' : 'full'}): ${facts.cpu}, ${facts.cores} cores, Node ${facts.node}, redis ${facts.redis}; load ${loadStart}`,
  );
  const rows: BenchRow[] = [];
  let crashed = 0;
  const timings: string[] = [];
  for (const m of MODULES) {
    if (only && !only.has(m.name)) continue;
    const run = await load(m.name);
    if (!run) {
      rows.push(row(m.name, m.what, 'not measured', '', '', null, `bench/${m.name}.bench.ts does not exist yet`));
      log(`${m.name}: bench/${m.name}.bench.ts missing, skipped`);
      continue;
    }
    const m0 = performance.now();
    log(`${m.name}: ${m.what}; load ${loadAverage()}`);
    try {
      rows.push(...(await run(ctx)));
    } catch (err) {
      crashed++;
      rows.push(row(m.name, 'module crashed', errorMessage(err).slice(0, 200), '', '', null));
      log(`${m.name}: crashed: ${err instanceof Error ? err.stack : String(err)}`);
    }
    timings.push(`${m.name} ${((performance.now() - m0) / 1000).toFixed(0)} s`);
  }
  const loadEnd = loadAverage();
  const tookS = ((performance.now() - t0) / 1000).toFixed(0);
  const table = renderText(rows);
  process.stdout.write(`\n${table}\n\n`);
  const notes = rows.filter((r) => r.note).map((r) => `- ${r.section} / ${r.name}: ${r.note}`);
  if (notes.length) process.stdout.write(`${notes.join('\n')}\n`);
  const missed = rows.filter((r) => r.ok === false).length;
  process.stdout.write(
    `${rows.filter((r) => r.ok === true).length} goals met, ${missed} missed; took ${tookS} s (${timings.join(', ')}); load ${loadStart} → ${loadEnd}\n`,
  );
  const out = env.BENCH_OUT ?? join(import.meta.dirname, '..', 'BENCH.md');
  if (out !== '-') {
    writeFileSync(
      out,
      [
        '# Benchmark: the last `npm run bench`',
        '',
        `Run ${started.toISOString()} (${quick ? '`BENCH_QUICK=1` subset' : 'full run'}, ${tookS} s: ${timings.join(', ')}).`,
        '',
        '## Machine',
        '',
        `- CPU: ${facts.cpu}, ${facts.cores} cores, ${facts.memoryGiB} GiB; Linux ${facts.kernel}`,
        `- Node ${facts.node}, redis-server ${facts.redis}`,
        `- load average (1, 5, 15 min): ${loadStart} at the start, ${loadEnd} at the end. The machine is shared with`,
        '  other work; each scan section also records the CPU other processes used while it was measured.',
        '',
        '## Results',
        '',
        renderMarkdown(rows),
        '',
        ...(notes.length ? ['Notes:', '', ...notes, ''] : []),
        '## How to reproduce',
        '',
        '```sh',
        'npm ci',
        'npm run bench                 # everything, ~10 minutes; writes this file',
        'BENCH_QUICK=1 npm run bench   # a ~1-minute subset (50k keys, fewer samples, a smaller storm)',
        'BENCH_ONLY=scan npm run bench # one module: scan, acks, webhook, storm',
        '```',
        '',
        'Needs redis-server, redis-cli, redis-benchmark and prometheus-alertmanager (`scripts/ensure-deps.sh` installs',
        'them on Debian) and, for the ingest figure, `wrk` (`apt-get install wrk`; else a Node load client is used).',
        'Everything runs on loopback against throwaway servers on free ports, stopped by PID at the end; the Redis on',
        '127.0.0.1:6379 is never touched. The scans pin redis-server to CPU 0 and themselves and the load client to',
        'CPU 1 with `taskset`, as when the bot runs on another host than the node it scans. Modules and their knobs:',
        '`bench/*.bench.ts` (see each file’s header).',
        '',
      ].join('\n'),
    );
    log(`wrote ${out}`);
  }
  return crashed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(2);
  },
);

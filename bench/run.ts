/**
 * `npm run bench`: every benchmark of the bot in one go, printed as one table (each figure beside its goal) and
 * written to BENCH.md with the machine it ran on and how to reproduce it. `BENCH_QUICK=1` runs a 1–2 minute subset.
 * `BENCH_ONLY=scan,storm` runs only the named modules (scan, acks, webhook, storm) and keeps the other modules' last
 * figures (BENCH.json holds each module's last run, with its date and load); BENCH_OUT=path writes the Markdown (and
 * the JSON beside it) elsewhere, BENCH_OUT=- not at all.
 *
 * Modules: `bench/<name>.bench.ts`, each exporting `run(ctx): Promise<BenchRow[]>` (bench/support/rows.ts). They
 * run one after another, never two at once: the machine has 2 cores. A module that is missing or throws becomes a
 * row saying so; the others still run. Exits 1 when a module crashed, 0 otherwise (a missed goal is a MISSED row,
 * not a failure).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { errorMessage } from '../src/kernel/errors.js';
import { loadAverage, type MachineFacts, machineFacts } from './support/machine.js';
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

/** One module's last measurement, as BENCH.json keeps it. */
interface ModuleRun {
  at: string;
  quick: boolean;
  seconds: number;
  load: string;
  rows: BenchRow[];
}
/** BENCH.json: the machine and each module's last run (a `BENCH_ONLY` run replaces only its modules). */
interface BenchRecord {
  machine: MachineFacts;
  modules: Record<string, ModuleRun>;
}

function readRecord(file: string): BenchRecord | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as BenchRecord;
  } catch {
    return undefined;
  }
}

function markdown(record: BenchRecord): string {
  const { machine: facts, modules } = record;
  const runs = MODULES.filter((m) => modules[m.name]).map((m) => ({ name: m.name, ...modules[m.name]! }));
  const rows = runs.flatMap((r) => r.rows);
  const notes = rows.filter((r) => r.note).map((r) => `- ${r.section} / ${r.name}: ${r.note}`);
  const when = runs.map(
    (r) =>
      `- \`${r.name}\`: ${r.at.replace('T', ' ').slice(0, 16)} UTC, ${r.quick ? '`BENCH_QUICK=1` subset' : 'full'}, ${r.seconds} s; load average ${r.load}`,
  );
  return [
    '# Benchmark: the last `npm run bench`',
    '',
    'Each module as last measured (`BENCH_ONLY` re-runs replace only their own modules):',
    '',
    ...when,
    '',
    '## Machine',
    '',
    `- CPU: ${facts.cpu}, ${facts.cores} cores, ${facts.memoryGiB} GiB; Linux ${facts.kernel}`,
    `- Node ${facts.node}, redis-server ${facts.redis}`,
    '- The machine is shared with other work: the load average (1, 5, 15 min) above is at the start → end of each',
    '  module, and each scan section also records the CPU other processes used while it was measured.',
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
    'npm run bench                 # everything, ~10 minutes; writes BENCH.md and BENCH.json',
    'BENCH_QUICK=1 npm run bench   # a ~2-minute subset (50k keys, fewer samples, a smaller storm)',
    'BENCH_ONLY=scan npm run bench # some modules (scan, acks, webhook, storm); the others keep their last figures',
    '```',
    '',
    'Needs redis-server, redis-cli, redis-benchmark and prometheus-alertmanager (`scripts/ensure-deps.sh` installs',
    'them on Debian) and, for the ingest figure, `wrk` (`apt-get install wrk`; else `ab`, else a Node load client).',
    'Everything runs on loopback against throwaway servers on free ports, stopped by PID at the end; the Redis on',
    '127.0.0.1:6379 is never touched. The scans pin redis-server to CPU 0 and the scanners and the load client to',
    'CPU 1 with `taskset`, as when the bot runs on another host than the node it scans. Modules and their knobs:',
    '`bench/*.bench.ts` (see each file’s header).',
    '',
  ].join('\n');
}

async function main(): Promise<number> {
  const facts = machineFacts();
  const loadStart = loadAverage();
  log(
    `bench (${quick ? 'quick' : 'full'}): ${facts.cpu}, ${facts.cores} cores, Node ${facts.node}, redis ${facts.redis}; load ${loadStart}`,
  );
  const rows: BenchRow[] = [];
  const runs: Record<string, ModuleRun> = {};
  let crashed = 0;
  const timings: string[] = [];
  for (const m of MODULES) {
    if (only && !only.has(m.name)) continue;
    const run = await load(m.name);
    const at = new Date().toISOString();
    const mLoad = loadAverage();
    const m0 = performance.now();
    const mine: BenchRow[] = [];
    if (!run) {
      mine.push(row(m.name, m.what, 'not measured', '', '', null, `bench/${m.name}.bench.ts does not exist yet`));
      log(`${m.name}: bench/${m.name}.bench.ts missing, skipped`);
    } else {
      log(`${m.name}: ${m.what}; load ${mLoad}`);
      try {
        mine.push(...(await run(ctx)));
      } catch (err) {
        crashed++;
        mine.push(row(m.name, 'module crashed', errorMessage(err).slice(0, 200), '', '', null));
        log(`${m.name}: crashed: ${err instanceof Error ? err.stack : String(err)}`);
      }
    }
    const seconds = Math.round((performance.now() - m0) / 1000);
    timings.push(`${m.name} ${seconds} s`);
    rows.push(...mine);
    runs[m.name] = { at, quick, seconds, load: `${mLoad} → ${loadAverage()}`, rows: mine };
  }
  const loadEnd = loadAverage();
  const tookS = ((performance.now() - t0) / 1000).toFixed(0);
  process.stdout.write(`\n${renderText(rows)}\n\n`);
  const notes = rows.filter((r) => r.note).map((r) => `- ${r.section} / ${r.name}: ${r.note}`);
  if (notes.length) process.stdout.write(`${notes.join('\n')}\n`);
  const missed = rows.filter((r) => r.ok === false).length;
  process.stdout.write(
    `${rows.filter((r) => r.ok === true).length} goals met, ${missed} missed; took ${tookS} s (${timings.join(', ')}); load ${loadStart} → ${loadEnd}\n`,
  );
  const out = env.BENCH_OUT ?? join(import.meta.dirname, '..', 'BENCH.md');
  if (out !== '-') {
    const json = out.replace(/\.md$/, '') + '.json';
    // A partial run (BENCH_ONLY) keeps the other modules' last figures, each with its own date.
    const record: BenchRecord = { machine: facts, modules: { ...(only ? readRecord(json)?.modules : {}), ...runs } };
    writeFileSync(json, `${JSON.stringify(record, null, 1)}\n`);
    writeFileSync(out, markdown(record));
    log(`wrote ${out} and ${json}`);
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

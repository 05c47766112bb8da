/**
 * Ack latency and history-independent costs, measured as a user would against a running bot (its own process,
 * `node --import tsx src/main.ts`, ROLE=all), its own state redis-server and the Slack stand-in, all on loopback:
 *
 * - acks: signed slash commands (`/incident status`, `/incident note INC-n …`, `/incident note …` without an id in a
 *   channel with 200 open incidents, `/redis help`), Approve clicks and `app_mention` events, one at a time, with
 *   200 open incidents seeded through IncidentStore; p50/p99 of the client-side round trip (request sent → answer
 *   read), the bot's own `rib_slack_ack_seconds` beside it, and the machine's load while it ran;
 * - history: `/metrics` and `/incident status` at 10,000 and 50,000 open incidents (seeded straight into the state
 *   Redis through IncidentStore while the bot runs), p50/p99 over repeated requests, and the bot's RSS.
 *
 * `run(ctx)` returns rows for `npm run bench`'s table ({section, name, value, unit, goal, ok, note}); run alone with
 * `npx tsx bench/acks.bench.ts` it prints them. Knobs: BENCH_ACK_REQUESTS (per kind, 300; quick 100),
 * BENCH_HISTORY (open incidents to measure at, `10000,50000`; quick `10000`), BENCH_HISTORY_REQUESTS (40).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { spawnBot, waitForWeb } from '../scripts/chaos/bot-process.js';
import { Children } from '../scripts/chaos/children.js';
import { APPROVE_ACTION_ID } from '../src/blocks/proposal.js';
import { parsePrometheusText } from '../src/devtools/prometheus-text.js';
import { freePort, startRedis } from '../src/devtools/redis-process.js';
import {
  blockActionBody,
  eventCallbackBody,
  signSlackRequest,
  slashCommandBody,
} from '../src/devtools/slack-signer.js';
import { SlackStandIn } from '../src/devtools/slack-stand-in.js';
import { newIncident, type Severity } from '../src/incidents/incident.js';
import { IncidentStore } from '../src/incidents/incident-store.js';
import type { BenchContext, BenchRow } from './support/rows.js';

const SECRET = 'bench-signing-secret';
const CHANNEL = 'C0BENCH';
const OTHER_CHANNEL = 'C0OTHER';
const APPROVER = 'U0ALICE';
const PREFIX = 'rib';
const ACK_GOAL_MS = 20;

const quantile = (xs: readonly number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? Number.NaN;
};
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** CPU seconds a process has used (utime + stime from /proc/<pid>/stat). */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Busy CPU seconds of the whole machine so far (/proc/stat). */
function machineBusySeconds(): number {
  const [, ...f] = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/) ?? [];
  const n = f.map(Number);
  const idle = (n[3] ?? 0) + (n[4] ?? 0);
  return (n.reduce((a, b) => a + b, 0) - idle) / 100;
}

function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

/** Seeds `count` open incidents (every 7th sev2, a few targets), `concurrency` scripts in flight. */
async function seed(store: IncidentStore, from: number, count: number, channel = CHANNEL): Promise<void> {
  const base = Date.now() - 3_600_000;
  const ids = Array.from({ length: count }, (_, i) => from + i);
  for (let i = 0; i < ids.length; i += 500) {
    await Promise.all(
      ids.slice(i, i + 500).map((n) =>
        store.create(
          newIncident({
            id: `INC-${n}`,
            title: `RedisOutOfConfiguredMaxmemory on cache-${n % 50} <seeded ${n}>`,
            severity: (n % 7 === 0 ? 'sev2' : 'sev3') as Severity,
            channel: n % 10 === 0 ? OTHER_CHANNEL : channel,
            target: `cache-${n % 50}`,
            createdAt: new Date(base + n).toISOString(),
          }),
        ),
      ),
    );
  }
}

/** One signed POST to /slack/events; resolves with the round trip in ms and the answer. */
async function signed(url: string, body: string, json = false): Promise<{ ms: number; status: number; text: string }> {
  const headers = { ...signSlackRequest(SECRET, body), ...(json ? { 'content-type': 'application/json' } : {}) };
  const t = performance.now();
  const res = await fetch(`${url}/slack/events`, { method: 'POST', headers, body });
  const text = await res.text();
  return { ms: performance.now() - t, status: res.status, text };
}

/** The upper bound of the bucket holding the q-quantile of a prom-client histogram (per `labels`). */
function histogramQuantile(metrics: string, name: string, labels: Record<string, string>, q: number): number {
  const fam = parsePrometheusText(metrics).get(name);
  const buckets = (fam?.samples ?? [])
    .filter((s) => s.name === `${name}_bucket` && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .map((s) => ({ le: Number(s.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : s.labels.le), count: s.value }))
    .sort((a, b) => a.le - b.le);
  const total = buckets.at(-1)?.count ?? 0;
  return buckets.find((b) => b.count >= q * total)?.le ?? Number.NaN;
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const env = ctx.env;
  const perKind = Number(env.BENCH_ACK_REQUESTS ?? (ctx.quick ? 100 : 300));
  const history = (env.BENCH_HISTORY ?? (ctx.quick ? '10000' : '10000,50000')).split(',').map(Number);
  const historyRequests = Number(env.BENCH_HISTORY_REQUESTS ?? 40);
  const rows: BenchRow[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'rib-acks-bench-'));
  mkdirSync(join(dir, 'logs'));
  const children = new Children(join(dir, 'logs'));
  try {
    const state = await startRedis();
    children.own(() => state.stop(), state.pid);
    const slack = await SlackStandIn.start();
    children.own(() => slack.close());
    const redis = new Redis(state.url);
    children.own(async () => redis.quit());
    const store = new IncidentStore(redis, PREFIX);
    await seed(store, 1, 200);
    await redis.set(`${PREFIX}:incident:seq`, '200');
    const config = join(dir, 'config.yaml');
    writeFileSync(
      config,
      stringify({
        targets: [
          { name: 'cache-0', url: 'redis://127.0.0.1:1', workload: 'cache', match: { instance: 'cache-0:6379' } },
        ],
        approvals: { approvers: [APPROVER], twoPersonRule: true, expiresAfter: '15m' },
      }),
    );
    const port = await freePort();
    const bot = spawnBot(
      children,
      'bot',
      'web',
      {
        SLACK_BOT_TOKEN: 'xoxb-bench',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: `${slack.url}/api/`,
        SLACK_CHANNEL: CHANNEL,
        REDIS_URL: state.url,
        ALERTMANAGER_TOKEN: 'bench-token',
        CONFIG_FILE: config,
        LOG_LEVEL: env.BENCH_LOG_LEVEL ?? 'warn',
      },
      port,
    );
    const url = `http://127.0.0.1:${port}`;
    await waitForWeb(bot, url);
    // ROLE=web: the bot's own process serves HTTP only, so the figures are the edge's; queued jobs wait in Redis.

    const kinds: Array<{ kind: string; label: string; body: (i: number) => string; json?: boolean }> = [
      {
        kind: 'slash',
        label: 'slash commands',
        body: (i) => {
          const text = [
            'status',
            `note INC-${(i % 200) + 1} bench note ${i}`,
            `note bench note ${i} without an id`,
            'help',
          ][i % 4];
          return slashCommandBody({
            command: '/incident',
            text: text ?? 'status',
            user_id: APPROVER,
            channel_id: CHANNEL,
          });
        },
      },
      {
        kind: 'click',
        label: 'button clicks',
        body: (i) =>
          blockActionBody({
            actionId: APPROVE_ACTION_ID,
            value: `P-bench-${i}`,
            userId: APPROVER,
            channel: CHANNEL,
            messageTs: `1700000000.${String(i).padStart(6, '0')}`,
          }),
      },
      {
        kind: 'event',
        label: 'mentions (app_mention)',
        json: true,
        body: (i) =>
          eventCallbackBody({
            eventId: `Ev${Date.now()}${i}`,
            event: {
              type: 'app_mention',
              user: APPROVER,
              text: '<@UBOT> status',
              channel: CHANNEL,
              ts: `1700000001.${i}`,
            },
          }),
      },
    ];

    // Warm up (JIT, connections) before measuring.
    for (const k of kinds) for (let i = 0; i < 20; i++) await signed(url, k.body(10_000 + i), k.json);

    const load0 = loadavg()[0] ?? 0;
    const busy0 = machineBusySeconds();
    const bot0 = cpuSeconds(bot.pid);
    const t0 = performance.now();
    const samples = new Map<string, number[]>(kinds.map((k) => [k.kind, []]));
    for (let i = 0; i < perKind; i++) {
      for (const k of kinds) {
        const r = await signed(url, k.body(i), k.json);
        if (r.status !== 200) throw new Error(`${k.kind} answered ${r.status}: ${r.text.slice(0, 200)}`);
        samples.get(k.kind)?.push(r.ms);
      }
    }
    const wall = (performance.now() - t0) / 1000;
    const otherCores = Math.max(0, machineBusySeconds() - busy0 - (cpuSeconds(bot.pid) - bot0)) / wall;
    const load1 = loadavg()[0] ?? 0;
    const scraped = await (await fetch(`${url}/metrics`)).text();
    const machine = `load ${load0.toFixed(2)} → ${load1.toFixed(2)}; other processes (this client included) ${otherCores.toFixed(2)} cores`;
    for (const k of kinds) {
      const xs = samples.get(k.kind) ?? [];
      const p50 = quantile(xs, 0.5);
      const p99 = quantile(xs, 0.99);
      const server = histogramQuantile(scraped, 'rib_slack_ack_seconds', { kind: k.kind }, 0.99) * 1000;
      rows.push({ section: 'acks', name: `${k.label}: p50`, value: round(p50, 2), unit: 'ms', goal: '', ok: null });
      rows.push({
        section: 'acks',
        name: `${k.label}: p99 (200 open incidents)`,
        value: round(p99, 2),
        unit: 'ms',
        goal: `≤ ${ACK_GOAL_MS} ms`,
        ok: p99 <= ACK_GOAL_MS,
        note: `${xs.length} signed requests one at a time, round trip at the client; the bot's own rib_slack_ack_seconds p99 ≤ ${server} ms (bucket); ${machine}`,
      });
      ctx.log(`acks ${k.kind}: p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms (server p99 bucket ≤ ${server} ms)`);
    }

    // History: the same requests at 10k and 50k open incidents.
    let seeded = 200;
    for (const open of history) {
      const t = performance.now();
      await seed(store, seeded + 1, open - seeded);
      seeded = open;
      await redis.set(`${PREFIX}:incident:seq`, String(open));
      ctx.log(`history: seeded ${open} open incidents in ${((performance.now() - t) / 1000).toFixed(1)} s`);
      const scrapeMs: number[] = [];
      const statusMs: number[] = [];
      let gauge = Number.NaN;
      let statusLength = 0;
      for (let i = 0; i < historyRequests; i++) {
        const s0 = performance.now();
        const text = await (await fetch(`${url}/metrics`)).text();
        scrapeMs.push(performance.now() - s0);
        gauge = parsePrometheusText(text).get('rib_incidents_open')?.samples[0]?.value ?? Number.NaN;
        const r = await signed(
          url,
          slashCommandBody({
            command: '/incident',
            text: i % 2 ? 'status page 3' : 'status',
            user_id: APPROVER,
            channel_id: CHANNEL,
          }),
        );
        statusMs.push(r.ms);
        statusLength = Math.max(statusLength, (JSON.parse(r.text) as { text?: string }).text?.length ?? 0);
      }
      const k = `${open / 1000}k`;
      rows.push({
        section: 'history',
        name: `/metrics at ${k} open: p99`,
        value: round(quantile(scrapeMs, 0.99), 1),
        unit: 'ms',
        goal: '≤ 100 ms, O(1) in open incidents',
        ok: quantile(scrapeMs, 0.99) <= 100 && gauge === open,
        note: `p50 ${round(quantile(scrapeMs, 0.5), 1)} ms over ${historyRequests} scrapes; rib_incidents_open read ${gauge}`,
      });
      rows.push({
        section: 'history',
        name: `/incident status at ${k} open: p99`,
        value: round(quantile(statusMs, 0.99), 1),
        unit: 'ms',
        goal: `≤ ${ACK_GOAL_MS} ms, within Slack's 40,000 chars`,
        ok: quantile(statusMs, 0.99) <= ACK_GOAL_MS && statusLength < 40_000,
        note: `p50 ${round(quantile(statusMs, 0.5), 1)} ms over ${historyRequests} signed commands (pages 1 and 3); longest reply ${statusLength} chars`,
      });
      rows.push({
        section: 'history',
        name: `bot RSS at ${k} open`,
        value: rssMiB(bot.pid),
        unit: 'MiB',
        goal: '',
        ok: null,
      });
      ctx.log(
        `history ${k}: /metrics p99 ${quantile(scrapeMs, 0.99).toFixed(1)} ms, status p99 ${quantile(statusMs, 0.99).toFixed(1)} ms, RSS ${rssMiB(bot.pid)} MiB`,
      );
    }
    return rows;
  } finally {
    await children.stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const t0 = performance.now();
  const rows = await run({
    quick: process.env.BENCH_QUICK === '1',
    env: process.env,
    log: (line) => process.stdout.write(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}\n`),
  });
  for (const r of rows) {
    const verdict = r.ok === null ? '' : r.ok ? 'met' : 'MISSED';
    process.stdout.write(
      `${r.section.padEnd(8)} ${r.name.padEnd(48)} ${`${r.value} ${r.unit}`.padStart(12)}  ${r.goal.padEnd(34)} ${verdict}\n`,
    );
  }
  for (const r of rows.filter((x) => x.note)) process.stdout.write(`- ${r.name}: ${r.note}\n`);
  process.exit(0);
}

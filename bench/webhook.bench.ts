/**
 * The webhook edge of the bot as one process (`ROLE=all`, tsx), its state Redis and the Slack stand-in:
 * - bot RSS once started and idle;
 * - webhook → root post: new alert groups, each for its own target (so each opens an incident), one every 250 ms
 *   over 20 channels (one per channel every 5 s, well inside Slack's ~1 post/s per channel, so the figure is the
 *   bot's own latency, not the pace); from the POST leaving the bench to the stand-in receiving the thread's root
 *   `chat.postMessage` (BENCH_WEBHOOK_N samples: 200, quick 40);
 * - ingest: byte-identical re-sends of one group (what an Alertmanager HA pair and its retries send) as fast as
 *   `wrk` (else `ab`, else a Node client) can, for 5 s (quick 3 s): requests/s, non-2xx answers, and how many of the
 *   re-sends became jobs.
 */

import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis } from '../src/devtools/redis-process.js';
import { type BenchTarget, postWebhook, startBot, TOKEN, webhookBody } from './support/bot.js';
import { has, percentile, runCommand, sleep } from './support/machine.js';
import { type BenchContext, type BenchRow, row } from './support/rows.js';

const SECTION = 'webhook';
const CHANNELS = 20;

/** Requests/s and non-2xx answers of a load run against POST /alertmanager with `body`. */
async function ingest(
  url: string,
  body: string,
  seconds: number,
): Promise<{ rps: number; non2xx: number; tool: string }> {
  const target = `${url}/alertmanager`;
  if (has('wrk')) {
    const script = join(tmpdir(), `rib-bench-wrk-${process.pid}.lua`);
    writeFileSync(
      script,
      [
        'wrk.method = "POST"',
        `wrk.body = ${JSON.stringify(body)}`,
        'wrk.headers["Content-Type"] = "application/json"',
        `wrk.headers["Authorization"] = "Bearer ${TOKEN}"`,
        '',
      ].join('\n'),
    );
    const { out } = await runCommand('wrk', ['-t2', '-c16', `-d${seconds}s`, '-s', script, target]);
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? Number.NaN);
    const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
    return { rps, non2xx, tool: 'wrk -t2 -c16' };
  }
  if (has('ab')) {
    const file = join(tmpdir(), `rib-bench-ab-${process.pid}.json`);
    writeFileSync(file, body);
    const args = ['-q', '-c', '16', '-t', String(seconds), '-n', '10000000', '-p', file, '-T', 'application/json'];
    const { out } = await runCommand('ab', [...args, '-H', `Authorization: Bearer ${TOKEN}`, target]);
    const rps = Number(/Requests per second:\s+([\d.]+)/.exec(out)?.[1] ?? Number.NaN);
    const non2xx = Number(/Non-2xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
    return { rps, non2xx, tool: 'ab -c16' };
  }
  // A Node load client: 16 requests in flight for `seconds` (its own CPU limits it on a small machine).
  const until = performance.now() + seconds * 1000;
  let done = 0;
  let non2xx = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (performance.now() < until) {
        const status = await postWebhook(url, body).catch(() => 0);
        done++;
        if (status < 200 || status >= 300) non2xx++;
      }
    }),
  );
  return { rps: done / seconds, non2xx, tool: 'Node client, 16 in flight' };
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const n = Number(ctx.env.BENCH_WEBHOOK_N ?? (ctx.quick ? 40 : 200));
  const seconds = ctx.quick ? 3 : 5;
  const target = await startRedis();
  const targets: BenchTarget[] = Array.from({ length: n + 1 }, (_, i) => ({
    name: `lat-${i}`,
    url: target.url,
    instance: `lat-${i}:6379`,
    channel: `C0LAT${String(i % CHANNELS).padStart(2, '0')}`,
  }));
  const bot = await startBot({ targets, defaultChannel: 'C0LAT00' });
  const rows: BenchRow[] = [];
  try {
    await sleep(3_000);
    const idleRss = bot.rss();
    rows.push(row(SECTION, 'bot RSS, started and idle', Math.round(idleRss), 'MiB'));
    ctx.log(`webhook: bot up (pid ${bot.pid}, RSS ${idleRss.toFixed(0)} MiB); ${n} new groups, one per 250 ms`);

    // Webhook → root post. An alert name no runbook matches: the root post is the whole path, no diagnosis.
    const sent: Array<{ at: number; channel: string; name: string }> = [];
    for (let i = 1; i <= n; i++) {
      const t = targets[i]!;
      const at = Date.now();
      const status = await postWebhook(bot.url, webhookBody('BenchLatencyProbe', t.instance));
      if (status !== 202) throw new Error(`webhook answered ${status}`);
      sent.push({ at, channel: t.channel, name: t.name });
      await sleep(250);
    }
    const rootOf = (s: (typeof sent)[number]) =>
      bot.slack.calls.find(
        (c) =>
          c.method === 'chat.postMessage' &&
          c.fault === undefined &&
          c.args.channel === s.channel &&
          c.args.thread_ts === undefined &&
          c.at >= s.at &&
          JSON.stringify(c.args).includes(s.name),
      );
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && !sent.every(rootOf)) await sleep(250);
    const latencies = sent.map((s) => (rootOf(s)?.at ?? Number.NaN) - s.at).filter(Number.isFinite);
    const missing = sent.length - latencies.length;
    rows.push(
      row(
        SECTION,
        `webhook → root post p50 (${latencies.length} new groups, 20 channels)`,
        percentile(latencies, 50),
        'ms',
      ),
      row(SECTION, 'webhook → root post p99', percentile(latencies, 99), 'ms'),
      row(SECTION, 'new groups without a root post after 60 s', missing, '', '0', missing === 0),
    );
    ctx.log(`webhook: root post p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms`);

    // Ingest: identical re-sends of one group that already has its incident.
    const body = webhookBody('BenchLatencyProbe', targets[1]!.instance);
    await postWebhook(bot.url, body);
    await sleep(1_000);
    const before = await bot.jobs();
    const rssBefore = bot.rss();
    let peakRss = rssBefore;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, bot.rss());
    }, 200);
    const load = await ingest(bot.url, body, seconds).finally(() => clearInterval(sampler));
    await sleep(1_000);
    const after = await bot.jobs();
    const requests = Math.round(load.rps * seconds);
    const jobs = after.alertJobs - before.alertJobs;
    rows.push(
      row(
        SECTION,
        `ingest: identical re-sends accepted (${load.tool}, ${seconds} s)`,
        Math.round(load.rps),
        'req/s',
        'issue: 2,967/s (re-sends), 5,151/s (new)',
        null,
      ),
      row(SECTION, 'ingest: answers other than 2xx', load.non2xx, '', '0', load.non2xx === 0),
      row(
        SECTION,
        `ingest: re-sends that became alert jobs (of ~${requests.toLocaleString('en-US')})`,
        jobs,
        '',
        '0 (recognised at the edge)',
        jobs === 0,
      ),
      row(SECTION, 'bot RSS during ingest (peak)', Math.round(peakRss), 'MiB'),
    );
    ctx.log(`webhook: ingest ${load.rps.toFixed(0)} req/s (${load.tool}), ${jobs} alert jobs, non-2xx ${load.non2xx}`);
  } finally {
    await bot.stop();
    await target.stop();
  }
  return rows;
}

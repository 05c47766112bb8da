/**
 * An alert storm through a real Alertmanager: 1,000 alerts (4 alert names × 250 targets; quick: 200 over 50) posted
 * at once to `prometheus-alertmanager` (group_by [alertname, instance], group_wait 1s, group_interval 5s), which
 * notifies the bot (one process, ROLE=all) through a recording hop, so what Alertmanager sent is measured, not
 * assumed. 80 % of the targets post to one channel, 20 % to another; the targets are 10 real redis-servers (3 in
 * quick), so diagnoses do real work. Measured from the Slack stand-in's recorded calls (with their times) and the
 * state Redis:
 * - root messages posted, digest updates (chat.update of a root whose text says storm/digest), the most
 *   chat.postMessage calls per channel in any second and per second over any 10 s, chat.update in any minute;
 * - lost (a group Alertmanager sent that no incident holds) and duplicates (a group in two incidents, a second root
 *   message for one incident);
 * - time to drain: from posting the alerts until every group is in the state, the outbox owes Slack nothing, no job
 *   waits and Slack saw no call for 3 s (bounded: 300 s, quick 90 s);
 * - the bot's RSS idle and at its peak during the storm.
 */

import { startAlertmanagerRecorder } from '../scripts/chaos/alertmanager-recorder.js';
import { ALERTNAMES } from '../scripts/chaos/plan.js';
import { rootIncidentId } from '../scripts/chaos/slack-view.js';
import { startAlertmanager } from '../src/devtools/alertmanager-process.js';
import { type RedisProcess, startRedis } from '../src/devtools/redis-process.js';
import type { RecordedCall } from '../src/devtools/slack-stand-in.js';
import { IncidentStore } from '../src/incidents/incident-store.js';
import { type BenchTarget, PREFIX, startBot, TOKEN } from './support/bot.js';
import { sleep } from './support/machine.js';
import { type BenchContext, type BenchRow, row } from './support/rows.js';

const SECTION = 'storm';
const CHANNEL_A = 'C0STORMA';
const CHANNEL_B = 'C0STORMB';

/** The most calls in any window of `ms` (sliding, by arrival time). */
function maxInWindow(times: number[], ms: number): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i]! - t[j]! >= ms) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

const byChannel = (calls: RecordedCall[]) => {
  const m = new Map<string, number[]>();
  for (const c of calls) {
    const ch = String(c.args.channel ?? '');
    m.set(ch, [...(m.get(ch) ?? []), c.at]);
  }
  return m;
};

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const targetsN = Number(ctx.env.BENCH_STORM_TARGETS ?? (ctx.quick ? 50 : 250));
  const serversN = ctx.quick ? 3 : 10;
  const waitMs = Number(ctx.env.BENCH_STORM_WAIT_S ?? (ctx.quick ? 90 : 300)) * 1000;
  const servers: RedisProcess[] = [];
  for (let i = 0; i < serversN; i++) servers.push(await startRedis(['--maxmemory', '64mb']));
  const targets: BenchTarget[] = Array.from({ length: targetsN }, (_, i) => ({
    name: `node-${String(i).padStart(3, '0')}`,
    url: servers[i % serversN]!.url,
    instance: `node-${String(i).padStart(3, '0')}:6379`,
    channel: i < targetsN * 0.8 ? CHANNEL_A : CHANNEL_B,
  }));
  const planned = targets.flatMap((t) => ALERTNAMES.map((alertname) => ({ alertname, instance: t.instance })));
  const bot = await startBot({ targets, defaultChannel: CHANNEL_A });
  const recorder = await startAlertmanagerRecorder(`${bot.url}/alertmanager`);
  const am = await startAlertmanager({
    webhookUrl: recorder.url,
    token: TOKEN,
    groupWait: '1s',
    groupInterval: '5s',
    repeatInterval: '1h',
  });
  const rows: BenchRow[] = [];
  try {
    await sleep(2_000);
    const idleRss = bot.rss();
    let peakRss = idleRss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, bot.rss());
    }, 500);
    ctx.log(`storm: ${planned.length} alerts over ${targetsN} targets, 2 channels; Alertmanager ${am.url}`);
    const start = Date.now();
    const endsAt = new Date(start + 3_600_000).toISOString();
    for (let i = 0; i < planned.length; i += 250) {
      await am.postAlerts(
        planned.slice(i, i + 250).map((a) => ({
          labels: { alertname: a.alertname, instance: a.instance, job: 'redis', severity: 'critical' },
          annotations: { summary: `${a.alertname} on ${a.instance}` },
          startsAt: new Date(start).toISOString(),
          endsAt,
          generatorURL: 'http://prometheus.bench:9090/graph',
        })),
      );
    }
    const store = new IncidentStore(bot.reader, PREFIX);
    const recordedGroups = async () => {
      const seq = Number((await bot.reader.get(`${PREFIX}:incident:seq`)) ?? 0);
      const where = new Map<string, Set<string>>();
      for (let n = 1; n <= seq; n++) {
        const id = `INC-${n}`;
        for (const a of await store.listAlerts(id)) {
          const k = `${a.labels.alertname}|${a.labels.instance}`;
          where.set(k, (where.get(k) ?? new Set()).add(id));
        }
      }
      return { seq, where };
    };
    const sentFiring = () =>
      new Set(
        [...recorder.sentChanges()].filter((k) => k.endsWith('|firing')).map((k) => k.slice(0, -'|firing'.length)),
      );
    let drainedAt: number | undefined;
    let last = { owed: -1, pending: -1, recorded: 0 };
    let nextLog = Date.now() + 15_000;
    while (Date.now() - start < waitMs) {
      await sleep(2_000);
      const [{ where }, owed, { pending }] = await Promise.all([recordedGroups(), bot.owed(), bot.jobs()]);
      const sent = sentFiring();
      const recorded = [...sent].filter((k) => where.has(k)).length;
      last = { owed, pending, recorded };
      const lastCall = bot.slack.calls.at(-1)?.at ?? 0;
      if (Date.now() > nextLog) {
        nextLog = Date.now() + 15_000;
        ctx.log(
          `storm: ${Math.round((Date.now() - start) / 1000)} s: ${sent.size} groups sent, ${recorded} recorded, ${owed} Slack effects owed, ${pending} jobs pending, ${bot.slack.calls.length} Slack calls`,
        );
      }
      if (sent.size >= planned.length && recorded === sent.size && owed === 0 && pending === 0) {
        if (Date.now() - lastCall >= 3_000) {
          drainedAt = lastCall;
          break;
        }
      }
    }
    clearInterval(sampler);
    const { seq, where } = await recordedGroups();
    const sent = sentFiring();
    const lost = [...sent].filter((k) => !where.has(k)).length;
    const dupGroups = [...where.values()].filter((ids) => ids.size > 1).length;
    const calls = bot.slack.calls.filter((c) => c.fault === undefined);
    const posts = calls.filter((c) => c.method === 'chat.postMessage');
    const roots = bot.slack.messages().filter((m) => m.threadTs === undefined && m.ephemeralTo === undefined);
    const rootsPerIncident = new Map<string, number>();
    for (const r of roots) {
      const id = rootIncidentId(r);
      if (id) rootsPerIncident.set(id, (rootsPerIncident.get(id) ?? 0) + 1);
    }
    const dupRoots = [...rootsPerIncident.values()].reduce((n, c) => n + Math.max(0, c - 1), 0);
    const dupExamples = [...rootsPerIncident]
      .filter(([, c]) => c > 1)
      .slice(0, 2)
      .flatMap(([id]) => roots.filter((r) => rootIncidentId(r) === id).map((r) => r.text.slice(0, 80)));
    const digestRoots = new Set(roots.filter((r) => /storm|digest/i.test(r.text)).map((r) => `${r.channel}/${r.ts}`));
    const updates = calls.filter((c) => c.method === 'chat.update');
    const digestUpdates = updates.filter((c) => digestRoots.has(`${c.args.channel}/${c.args.ts}`)).length;
    const perChannel = byChannel(posts);
    const maxPerSec = Math.max(0, ...[...perChannel.values()].map((t) => maxInWindow(t, 1_000)));
    const sustained = Math.max(0, ...[...perChannel.values()].map((t) => maxInWindow(t, 10_000) / 10));
    const updatesPerMin = maxInWindow(
      updates.map((c) => c.at),
      60_000,
    );
    const rootsBy = (ch: string) => roots.filter((r) => r.channel === ch).length;
    const waitedS = Math.round((Date.now() - start) / 1000);
    rows.push(
      row(
        SECTION,
        `alerts posted / groups Alertmanager sent (${targetsN} targets)`,
        `${planned.length} / ${sent.size}`,
        '',
      ),
      row(SECTION, 'answers to Alertmanager', JSON.stringify(recorder.answers()), ''),
      row(SECTION, 'incidents opened', seq, ''),
      row(
        SECTION,
        `root messages posted (${CHANNEL_A} / ${CHANNEL_B})`,
        `${roots.length} (${rootsBy(CHANNEL_A)} / ${rootsBy(CHANNEL_B)})`,
        '',
        'one digest per channel while the storm lasts',
        null,
      ),
      row(SECTION, 'digest updates (chat.update of a storm digest)', digestUpdates, ''),
      row(SECTION, 'chat.postMessage per channel, most in any 1 s', maxPerSec, 'posts', 'bursts ≤ 3', maxPerSec <= 3),
      row(
        SECTION,
        'chat.postMessage per channel, most per second over any 10 s',
        sustained,
        'posts/s',
        '≤ ~1/s sustained',
        sustained <= 1.1,
      ),
      row(SECTION, 'chat.update, most in any minute', updatesPerMin, '', '≤ ~50 (Tier 3)', updatesPerMin <= 55),
      row(SECTION, 'lost groups (sent, in no incident)', lost, '', '0', lost === 0),
      row(
        SECTION,
        'duplicates (a group in 2+ incidents, a 2nd root of one incident)',
        dupGroups + dupRoots,
        '',
        '0',
        dupGroups + dupRoots === 0,
        dupRoots > 0
          ? `roots sharing an incident id, e.g. ${dupExamples.map((t) => JSON.stringify(t)).join(' / ')}`
          : undefined,
      ),
      drainedAt
        ? row(SECTION, 'time to drain (posted → last Slack call)', (drainedAt - start) / 1000, 's')
        : row(
            SECTION,
            `time to drain: not drained after ${waitedS} s`,
            `${last.recorded}/${sent.size} recorded, ${last.owed} Slack effects owed, ${last.pending} jobs pending`,
            '',
            'drained',
            false,
          ),
      row(SECTION, 'Slack calls made (all methods)', calls.length, ''),
      row(SECTION, 'bot RSS idle / peak during the storm', `${Math.round(idleRss)} / ${Math.round(peakRss)}`, 'MiB'),
    );
    ctx.log(
      `storm: ${drainedAt ? `drained in ${((drainedAt - start) / 1000).toFixed(0)} s` : `not drained after ${waitedS} s`}`,
    );
  } finally {
    await am.stop();
    await recorder.close();
    await bot.stop();
    for (const s of servers) await s.stop();
  }
  return rows;
}

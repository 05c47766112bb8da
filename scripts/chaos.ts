/**
 * `npm run chaos`: the bot under the faults real incidents bring (issue 9), measured. Starts a state redis-server
 * with AOF, 50 small target redis-servers under memory pressure, the Slack stand-in, the bot as one web and two
 * worker processes, and a real Alertmanager routed to the bot. Then posts 200 alerts over ~75 s (a share resolved
 * later), cuts Slack for 60 s (the stand-in answers every call with 500), SIGKILLs a worker every 20 s, restarts the
 * state Redis once and approves 20 proposals; waits (bounded) for Slack to converge and prints each figure beside
 * its target. Exits 1 when a target is missed, 2 when the run itself failed. `CHAOS_QUICK=1`: 10 targets, ~1 minute
 * of drive. Everything it starts is stopped by PID at the end; 127.0.0.1:6379 is never touched.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { builtInCatalogs } from '../src/catalogs.js';
import { startAlertmanager } from '../src/devtools/alertmanager-process.js';
import { freePort } from '../src/devtools/redis-process.js';
import { SlackStandIn } from '../src/devtools/slack-stand-in.js';
import { IncidentStore } from '../src/incidents/incident-store.js';
import { Timeline } from '../src/incidents/timeline.js';
import { ProposalStore } from '../src/remediation/proposal-store.js';
import { loadRunbooksOrThrow } from '../src/runbooks/runbook-loader.js';
import { startAlertmanagerRecorder } from './chaos/alertmanager-recorder.js';
import { Approver } from './chaos/approver.js';
import { BotFleet } from './chaos/bot-fleet.js';
import { REPO } from './chaos/bot-process.js';
import { Children } from './chaos/children.js';
import { DriveClock } from './chaos/clock.js';
import { driveAlerts } from './chaos/drive-alerts.js';
import { stateLeftovers } from './chaos/leftovers.js';
import { converged, type Observation, observe, type StateReaders } from './chaos/measure.js';
import { channelOf, chaosSettings, killTimes, planAlerts } from './chaos/plan.js';
import { renderTable, rows } from './chaos/report.js';
import { StateRedis } from './chaos/state-redis.js';
import { startTargets, writeConfig } from './chaos/targets.js';

const SECRET = 'chaos-signing-secret';
const TOKEN = 'chaos-alertmanager-token';
const APPROVER = 'U0ALICE';
const PREFIX = 'rib';

const s = chaosSettings(process.env.CHAOS_QUICK === '1');
const runDir = mkdtempSync(join(tmpdir(), 'rib-chaos-'));
const logDir = join(runDir, 'logs');
mkdirSync(logDir);
const children = new Children(logDir);
const abort = new AbortController();
const clock = new DriveClock(abort.signal);
const say = (text: string) => process.stdout.write(`${clock.stamp()}${text}\n`);

async function main(): Promise<number> {
  say(
    `chaos run (${s.quick ? 'quick' : 'full'}): ${s.targets} targets, ${s.targets * 4} alerts, ${s.channels} channels; logs in ${logDir}`,
  );
  const runbooks = loadRunbooksOrThrow(join(REPO, 'runbooks'), builtInCatalogs());
  const statePort = await freePort();
  const state = new StateRedis(children, statePort, join(runDir, 'state'));
  mkdirSync(state.dir);
  await state.start();
  const targets = await startTargets(children, s.targets);
  say(
    `state redis ${state.url} (AOF, appendfsync always); ${targets.length} target redis-servers under memory pressure`,
  );

  const slack = await SlackStandIn.start();
  children.own(() => slack.close());
  const outageFailed = () => slack.calls.filter((c) => c.fault !== undefined).length;

  const fleet = new BotFleet(
    children,
    {
      SLACK_BOT_TOKEN: 'xoxb-chaos',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: `${slack.url}/api/`,
      SLACK_CHANNEL: channelOf(0, s.channels),
      REDIS_URL: state.url,
      ALERTMANAGER_TOKEN: TOKEN,
      CONFIG_FILE: writeConfig(join(runDir, 'config.yaml'), targets, s, APPROVER),
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    },
    await freePort(),
  );
  children.own(() => fleet.stop());
  await fleet.start();
  say(
    `bot: web ${fleet.webUrl} + 2 workers (tsx src/main.ts, ROLE=web|worker); set up in ${Math.round(performance.now() / 1000)} s`,
  );

  const recorder = await startAlertmanagerRecorder(`${fleet.webUrl}/alertmanager`);
  children.own(() => recorder.close());
  const am = await startAlertmanager({
    webhookUrl: recorder.url,
    token: TOKEN,
    groupWait: '1s',
    groupInterval: '5s',
    repeatInterval: '10m',
  });
  children.own(() => am.stop(), am.pid);
  say(`alertmanager ${am.url} (group_by alertname+instance, group_wait 1s, group_interval 5s) → recorder → bot`);

  const reader = new Redis(state.url, { maxRetriesPerRequest: 1, lazyConnect: false });
  reader.on('error', () => {});
  children.own(async () => reader.disconnect());
  const readers: StateReaders = {
    redis: reader,
    store: new IncidentStore(reader, PREFIX),
    timeline: new Timeline(reader, PREFIX),
    proposals: new ProposalStore(reader, PREFIX),
    runbooks,
    prefix: PREFIX,
  };
  const approver = new Approver({
    slack,
    proposals: readers.proposals,
    eventsUrl: `${fleet.webUrl}/slack/events`,
    secret: SECRET,
    user: APPROVER,
  });

  const alerts = planAlerts(s);
  const posted = new Set<string>();
  let outageEnd = 0;
  clock.start();
  say('drive: alerts, Slack outage, worker kills, state Redis restart, approvals');
  const tracks = [
    driveAlerts(am, clock, alerts, posted, say).then(() =>
      say(`all ${posted.size} alert changes posted to Alertmanager`),
    ),
    (async () => {
      await clock.at(s.outageAtMs);
      // Slack's outage: every Web API call answers HTTP 500 and takes no effect (nothing posted, nothing updated).
      slack.inject({ forMs: s.outageMs, answer: { status: 500 } });
      outageEnd = Date.now() + s.outageMs;
      say(`Slack outage: every Web API call answers 500 for ${s.outageMs / 1000} s`);
      await clock.at(s.outageAtMs + s.outageMs);
      say(`Slack back (${outageFailed()} calls failed during the outage)`);
    })(),
    (async () => {
      for (const [n, time] of killTimes(s).entries()) {
        await clock.at(time);
        await fleet.killWorker((n % 2) as 0 | 1);
        say(`SIGKILL worker ${(n % 2) + 1}; restarted`);
      }
    })(),
    (async () => {
      await clock.at(s.redisRestartAtMs);
      await state.crash();
      say(`state redis SIGKILLed; down for ${s.redisDownMs / 1000} s`);
      await clock.sleep(s.redisDownMs);
      await state.start();
      say('state redis restarted on the same port and dir (AOF replayed)');
    })(),
    (async () => {
      const [first, second] = s.approveWindows;
      for (const [window, quota] of [
        [first, Math.round(s.approvals * 0.3)],
        [second, s.approvals],
      ] as const) {
        if (!window) continue;
        await clock.at(window[0]);
        while (Date.now() < clock.time(window[1])) {
          await approver.tick(quota).catch(() => {});
          await clock.sleep(1_500);
        }
      }
      say(`approvals: ${approver.clicked().size} proposals clicked`);
    })(),
  ];
  await Promise.all(tracks);
  await clock.at(s.driveEndMs);

  const driveEnd = Date.now();
  say(`drive over; waiting up to ${s.convergeWaitMs / 1000} s for Slack to match the state`);
  const inputs = () => ({ alerts, posted, clicked: approver.clicked(), approver: APPROVER });
  let last: Observation | undefined;
  let convergedAt: number | undefined;
  while (Date.now() < driveEnd + s.convergeWaitMs) {
    try {
      last = await observe(readers, slack.messages(), inputs());
      if (converged(last)) {
        convergedAt = Date.now();
        break;
      }
    } catch {
      // the state Redis may still be loading; look again
    }
    await clock.sleep(3_000);
  }
  last = await observe(readers, slack.messages(), inputs());
  const table = rows(last, {
    postedChanges: posted.size,
    sentByAlertmanager: [...recorder.sentChanges()].filter((k) => posted.has(k)).length,
    convergedAfterS: convergedAt === undefined ? undefined : Math.round((convergedAt - outageEnd) / 1000),
    convergeTargetS: s.convergeTargetMs / 1000,
    convergeWaitedS: Math.round((Date.now() - outageEnd) / 1000),
    approvalsWanted: s.approvals,
    clicked: approver.clicked().size,
  });
  process.stdout.write(`\n${renderTable(table)}\n\n`);
  // What Slack showed and what was measured, for a closer look after the run.
  writeFileSync(join(logDir, 'slack-messages.json'), JSON.stringify(slack.messages(), null, 1));
  writeFileSync(join(logDir, 'observation.json'), JSON.stringify({ observation: last, table }, null, 1));
  const notes = [
    `${fleet.kills} worker SIGKILLs, 1 state-Redis restart, ${outageFailed()} Slack calls failed by the outage`,
    `unexpected bot exits: ${fleet.unexpectedExits.join('; ') || 'none'}`,
    `Alertmanager → bot answers: ${JSON.stringify(recorder.answers())}; approve clicks answered: ${JSON.stringify(approver.answers())}`,
    `incidents opened: ${last.incidents}; Slack messages: ${slack.messages().length}, calls: ${slack.calls.length}`,
    ...(await stateLeftovers(reader, PREFIX)),
    ...Object.entries(last.missing)
      .filter(([, list]) => list.length > 0)
      .map(
        ([kind, list]) =>
          `missing (${kind}, ${list.length}): ${list.slice(0, 4).join('; ')}${list.length > 4 ? '; …' : ''}`,
      ),
    `logs: ${logDir}`,
  ];
  process.stdout.write(`${notes.join('\n')}\n`);
  return table.some((r) => r.met === false) ? 1 : 0;
}

let code = 2;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    say(`${signal}: stopping everything`);
    abort.abort();
  });
}
try {
  code = await main();
} catch (err) {
  process.stderr.write(`chaos run failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  code = abort.signal.aborted ? 130 : 2;
  // Tracks still waiting (a kill due later, say) end now instead of acting on stopped processes.
  abort.abort();
} finally {
  await children.stopAll();
  // Data dirs go (CHAOS_KEEP_STATE=1 keeps the state Redis's AOF for a closer look); logs stay.
  if (process.env.CHAOS_KEEP_STATE !== '1') rmSync(join(runDir, 'state'), { recursive: true, force: true });
  say(`everything stopped (logs kept in ${logDir})`);
}
process.exit(code);

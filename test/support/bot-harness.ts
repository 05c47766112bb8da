import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Job, QueueEvents } from 'bullmq';
import { type Bot, createBot } from '../../src/bot.js';
import { loadConfig } from '../../src/config/load-config.js';
import { type RedisProcess, startRedis } from '../../src/devtools/redis-process.js';
import { SlackStandIn } from '../../src/devtools/slack-stand-in.js';
import { SocketModeStandIn } from '../../src/devtools/socket-mode-stand-in.js';
import { waitUntil } from '../../src/devtools/wait-until.js';
import type { QueueName } from '../../src/jobs/catalog.js';
import { createLogger } from '../../src/kernel/logger.js';

export const SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';
export const ALERTMANAGER_TOKEN = 'am-webhook-token';
export const CHANNEL = 'C0INCIDENTS';
export const APPROVER = 'U0ALICE';
export const OTHER_APPROVER = 'U0BOB';
export const NOT_APPROVER = 'U0MALLORY';
/** The app-level token a Socket Mode harness's bot connects with (and its stand-in accepts). */
export const APP_TOKEN = 'xapp-1-A0TESTAPP-1700000000000-0123456789abcdef';

export interface Harness {
  url: string;
  bot: Bot;
  state: RedisProcess;
  slack: SlackStandIn;
  /** With `socketMode`: Slack's Socket Mode, which the bot connected to at start (SLACK_APP_TOKEN). */
  socket: SocketModeStandIn | undefined;
  /** The environment the harness's bot was configured from: a child bot process given it joins the same state. */
  env: Record<string, string>;
  /** The harness's KEY_PREFIX (state keys) and QUEUE_PREFIX (BullMQ keys). */
  keyPrefix: string;
  queuePrefix: string;
  /** The harness's QueueEvents for `queue` (one per queue, closed by `stop`). */
  queueEvents(queue: QueueName): Promise<QueueEvents>;
  /** Resolves with the job's return value once it completed (rejects if it failed): an event, not a poll. */
  waitForJob(queue: QueueName, jobId: string, timeoutMs?: number): Promise<unknown>;
  /** Resolves once `count` jobs of `queue` have completed in total (counted on each completion event). */
  waitForCompleted(queue: QueueName, count: number, timeoutMs?: number): Promise<void>;
  /**
   * Resolves once the Slack outbox owes nothing (every owed card, post and redraw delivered or given up). Both
   * waits above end with it, so a test that waited for a job sees what the job owed Slack.
   */
  slackSettled(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The whole bot in this process, as `npm start` wires it: its own state redis-server, the Slack stand-in as Web
 * API, a config file routing `instance=<instance>` to `targetUrl`. Each harness uses fresh key/queue prefixes.
 */
export async function startHarness(o: {
  targetUrl: string;
  instance?: string;
  /** YAML appended to the config file (top-level keys such as `commands:`). */
  extraConfig?: string;
  /** More targets beside cache-1, each routed by `instance=<instance>`. */
  extraTargets?: Array<{ name: string; url: string; instance: string; channel?: string; defaultRunbook?: string }>;
  /** `web`: this process serves HTTP only and the jobs are left to bot processes a test starts with `env`. */
  role?: 'web' | 'all';
  /** More environment for the bot (such as REMEDIATION_LEASE_MS). */
  env?: Record<string, string>;
  /** Socket Mode: the bot gets SLACK_APP_TOKEN and Slack's requests come through a Socket Mode stand-in. */
  socketMode?: boolean;
}): Promise<Harness> {
  const state = await startRedis();
  const slack = await SlackStandIn.start();
  const socket = o.socketMode ? await SocketModeStandIn.start({ slack, appToken: APP_TOKEN }) : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'rib-harness-'));
  const configFile = join(dir, 'config.yaml');
  writeFileSync(
    configFile,
    [
      'targets:',
      '  - name: cache-1',
      `    url: ${o.targetUrl}`,
      '    workload: cache',
      `    match: { instance: "${o.instance ?? 'redis-cache-1:6379'}" }`,
      ...(o.extraTargets ?? []).flatMap((t) => [
        `  - name: ${t.name}`,
        `    url: ${t.url}`,
        '    workload: cache',
        `    match: { instance: "${t.instance}" }`,
        ...(t.channel ? [`    channel: ${t.channel}`] : []),
        ...(t.defaultRunbook ? [`    defaultRunbook: ${t.defaultRunbook}`] : []),
      ]),
      'approvals:',
      `  approvers: [${APPROVER}, ${OTHER_APPROVER}]`,
      '  twoPersonRule: true',
      '  expiresAfter: 15m',
      o.extraConfig ?? '',
    ].join('\n'),
  );
  const prefix = `t${randomBytes(3).toString('hex')}`;
  const env: Record<string, string> = {
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: `${slack.url}/api/`,
    SLACK_CHANNEL: CHANNEL,
    REDIS_URL: state.url,
    ALERTMANAGER_TOKEN,
    CONFIG_FILE: configFile,
    RUNBOOKS_DIR: 'runbooks',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    KEY_PREFIX: prefix,
    QUEUE_PREFIX: `${prefix}q`,
    ...(socket ? { SLACK_APP_TOKEN: APP_TOKEN } : {}),
    ...o.env,
  };
  const config = loadConfig({ ...env, ROLE: o.role ?? 'all' });
  const bot = createBot(config, createLogger(config.env.LOG_LEVEL));
  const url = (await bot.start(0)) ?? '';
  const events = new Map<QueueName, QueueEvents>();
  const queueEvents = async (queue: QueueName) => {
    let qe = events.get(queue);
    if (!qe) {
      qe = new QueueEvents(queue, { connection: { url: state.url }, prefix: config.env.QUEUE_PREFIX });
      // Tests that stop the state Redis on purpose would otherwise get BullMQ's reconnect errors on stderr.
      qe.on('error', () => {});
      await qe.waitUntilReady();
      events.set(queue, qe);
    }
    return qe;
  };
  const slackSettled = async (timeoutMs = 30_000) => {
    await waitUntil(async () => (await bot.services.outbox.pending()) === 0, {
      timeoutMs,
      intervalMs: 20,
      what: 'the Slack outbox to owe nothing',
    });
  };
  return {
    url,
    bot,
    state,
    slack,
    socket,
    env,
    keyPrefix: config.env.KEY_PREFIX,
    queuePrefix: config.env.QUEUE_PREFIX,
    queueEvents,
    async waitForJob(queue, jobId, timeoutMs = 30_000) {
      const qe = await queueEvents(queue);
      const job = await Job.fromId(bot.services.queues.get(queue), jobId);
      if (!job) throw new Error(`no ${queue} job ${jobId}`);
      const value = await job.waitUntilFinished(qe, timeoutMs);
      await slackSettled();
      return value;
    },
    slackSettled,
    async waitForCompleted(queue, count, timeoutMs = 30_000) {
      const qe = await queueEvents(queue);
      const q = bot.services.queues.get(queue);
      await new Promise<void>((resolve, reject) => {
        const check = async () => {
          if ((await q.getCompletedCount()) >= count) finish();
        };
        const timer = setTimeout(() => {
          qe.off('completed', onCompleted);
          reject(new Error(`fewer than ${count} ${queue} jobs completed within ${timeoutMs} ms`));
        }, timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          qe.off('completed', onCompleted);
          resolve();
        };
        const onCompleted = () => void check();
        qe.on('completed', onCompleted);
        void check();
      });
      await slackSettled();
    },
    async stop() {
      await Promise.all([...events.values()].map((e) => e.close()));
      await bot.stop();
      await socket?.close();
      await slack.close();
      await state.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** POSTs a webhook body as Alertmanager does (same headers as the captured ones). */
export async function postWebhook(
  url: string,
  body: string,
  token: string | undefined = ALERTMANAGER_TOKEN,
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${url}/alertmanager`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'Alertmanager/0.25.0',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body,
  });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: keep the text for the assertion message
  }
  return { status: res.status, json };
}

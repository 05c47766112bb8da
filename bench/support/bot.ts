import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { REPO } from '../../scripts/chaos/bot-process.js';
import { type Child, Children } from '../../scripts/chaos/children.js';
import { freePort, type RedisProcess, startRedis } from '../../src/devtools/redis-process.js';
import { SlackStandIn } from '../../src/devtools/slack-stand-in.js';
import { waitUntil } from '../../src/devtools/wait-until.js';
import { QUEUE_NAMES } from '../../src/jobs/catalog.js';
import { Outbox } from '../../src/slack/delivery/outbox.js';
import { rssMiB } from './machine.js';

export const TOKEN = 'bench-alertmanager-token';
export const SECRET = 'bench-signing-secret';
export const PREFIX = 'rib';

/** A target of the bench's config file. */
export interface BenchTarget {
  name: string;
  url: string;
  instance: string;
  channel: string;
}

/** The bot as one process (`ROLE=all`, `node --import tsx src/main.ts`), its state Redis and the Slack stand-in. */
export interface BotUnderTest {
  url: string;
  pid: number;
  slack: SlackStandIn;
  state: RedisProcess;
  /** A connection to the state Redis, for the bench's own reads. */
  reader: Redis;
  children: Children;
  /** Effects the outbox still owes Slack. */
  owed(): Promise<number>;
  /** Jobs waiting, active or delayed on every queue, and the completed + failed count of `alerts`. */
  jobs(): Promise<{ pending: number; alertJobs: number }>;
  rss(): number;
  stop(): Promise<void>;
}

/**
 * Starts the bot the way it is deployed in one process, configured by a generated CONFIG_FILE routing
 * `instance=<t.instance>` to each target; everything on loopback, stopped by PID.
 */
export async function startBot(o: { targets: BenchTarget[]; defaultChannel: string }): Promise<BotUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), 'rib-bench-'));
  mkdirSync(join(dir, 'logs'));
  const children = new Children(join(dir, 'logs'));
  const state = await startRedis();
  children.own(() => state.stop(), state.pid);
  const slack = await SlackStandIn.start();
  children.own(() => slack.close());
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    stringify({
      targets: o.targets.map((t) => ({
        name: t.name,
        url: t.url,
        workload: 'cache',
        match: { instance: t.instance },
        channel: t.channel,
      })),
      approvals: { approvers: ['U0ALICE'], twoPersonRule: true, expiresAfter: '15m' },
    }),
  );
  const port = await freePort();
  const child: Child = children.spawn('bot', process.execPath, ['--import', 'tsx', join(REPO, 'src', 'main.ts')], {
    cwd: REPO,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: `${slack.url}/api/`,
      SLACK_CHANNEL: o.defaultChannel,
      REDIS_URL: state.url,
      ALERTMANAGER_TOKEN: TOKEN,
      CONFIG_FILE: config,
      RUNBOOKS_DIR: join(REPO, 'runbooks'),
      PORT: String(port),
      ROLE: 'all',
      KEY_PREFIX: PREFIX,
      QUEUE_PREFIX: PREFIX,
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(
    async () => {
      if ((await Promise.race([child.exited, Promise.resolve('running')])) !== 'running') {
        throw new Error(`bot exited: ${child.output().slice(-2000)}`);
      }
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
      return res?.ok ?? false;
    },
    { what: 'the bot to answer /readyz', timeoutMs: 90_000, intervalMs: 250, last: () => child.output().slice(-1000) },
  );
  const reader = new Redis(state.url, { maxRetriesPerRequest: 1 });
  reader.on('error', () => {});
  const outbox = new Outbox(reader, PREFIX);
  const queues = QUEUE_NAMES.map((name) => new Queue(name, { connection: { url: state.url }, prefix: PREFIX }));
  return {
    url,
    pid: child.pid,
    slack,
    state,
    reader,
    children,
    async owed() {
      return (await outbox.backlog()).reduce((n, b) => n + b.count, 0);
    },
    async jobs() {
      let pending = 0;
      let alertJobs = 0;
      for (const q of queues) {
        const c = await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed');
        pending += (c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0);
        if (q.name === 'alerts') alertJobs += (c.completed ?? 0) + (c.failed ?? 0) + (c.waiting ?? 0) + (c.active ?? 0);
      }
      return { pending, alertJobs };
    },
    rss: () => rssMiB(child.pid),
    async stop() {
      await Promise.all(queues.map((q) => q.close()));
      reader.disconnect();
      await child.stop('SIGTERM', 8_000);
      await children.stopAll();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** POSTs an Alertmanager webhook body to the bot, as Alertmanager does. */
export async function postWebhook(url: string, body: string): Promise<number> {
  const res = await fetch(`${url}/alertmanager`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${TOKEN}`,
      'user-agent': 'Alertmanager/0.25.0',
    },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

/** A webhook v4 body with one firing group of one alert. */
export function webhookBody(alertname: string, instance: string, extra: Record<string, string> = {}): string {
  const labels = { alertname, instance, job: 'redis', severity: 'critical', ...extra };
  const groupKey = `{}:{alertname="${alertname}", instance="${instance}"}`;
  return JSON.stringify({
    receiver: 'incident-bot',
    status: 'firing',
    alerts: [
      {
        status: 'firing',
        labels,
        annotations: { summary: `${alertname} on ${instance}` },
        startsAt: new Date().toISOString(),
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.bench:9090/graph',
        fingerprint: Buffer.from(`${alertname}|${instance}`).toString('hex').slice(0, 16),
      },
    ],
    groupLabels: { alertname, instance },
    commonLabels: labels,
    commonAnnotations: {},
    externalURL: 'http://alertmanager.bench:9093',
    version: '4',
    groupKey,
    truncatedAlerts: 0,
  });
}

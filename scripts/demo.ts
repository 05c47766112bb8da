/**
 * `npm run demo`: the whole bot on embedded defaults, no Slack workspace needed. Starts a throwaway target
 * redis-server under memory pressure with a planted big key, a throwaway state redis-server, the bot and a local
 * Slack stand-in (reached through SLACK_API_URL); posts a real captured Alertmanager payload; shows the findings and
 * proposals; clicks Approve as an approver (a signed interaction, exactly as Slack signs it) after a non-approver is
 * refused; resolves the alert; exports the postmortem; stops everything it started.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBot } from '../src/bot.js';
import { loadConfig } from '../src/config/load-config.js';
import { applyMemoryPressure, PLANTED_KEY } from '../src/devtools/memory-pressure.js';
import { type RedisProcess, startRedis } from '../src/devtools/redis-process.js';
import { blockActionBody, postSigned, slashCommandBody } from '../src/devtools/slack-signer.js';
import { SlackStandIn, type StandInMessage } from '../src/devtools/slack-stand-in.js';
import { formatBytes } from '../src/kernel/bytes.js';
import { createLogger } from '../src/kernel/logger.js';

const SECRET = 'demo-signing-secret';
const TOKEN = 'demo-alertmanager-token';
const CHANNEL = 'C0DEMO';
const APPROVER = 'U0ALICE';
const BYSTANDER = 'U0MALLORY';
const FIXTURES = join(import.meta.dirname, '..', 'test', 'fixtures', 'alertmanager');

const say = (text: string) => process.stdout.write(`\n\x1b[1m== ${text}\x1b[0m\n`);
const approveValue = (m: StandInMessage) =>
  (m.blocks as Array<{ type?: string; elements?: Array<{ action_id?: string; value?: string }> }>)
    .flatMap((b) => (b.type === 'actions' ? (b.elements ?? []) : []))
    .find((e) => e.action_id === 'proposal_approve')?.value;

const started: Array<() => Promise<unknown>> = [];
async function stopAll(): Promise<void> {
  for (const stop of started.reverse()) await stop().catch(() => {});
}

async function main(): Promise<void> {
  say('Starting a throwaway target redis-server under memory pressure');
  const target: RedisProcess = await startRedis();
  started.push(() => target.stop());
  const pressure = await applyMemoryPressure(target.client(), { usedPct: 92 });
  console.log(
    `target ${target.url}: ${formatBytes(pressure.usedBytes)} used of maxmemory ${formatBytes(pressure.maxmemory)} (noeviction), planted big key ${PLANTED_KEY}`,
  );

  const state = await startRedis();
  started.push(() => state.stop());
  const slack = await SlackStandIn.start();
  started.push(() => slack.close());
  console.log(`bot state redis ${state.url}; Slack stand-in ${slack.url}/api/`);

  const dir = mkdtempSync(join(tmpdir(), 'rib-demo-'));
  started.push(async () => rmSync(dir, { recursive: true, force: true }));
  const configFile = join(dir, 'config.yaml');
  writeFileSync(
    configFile,
    `targets:\n  - name: cache-1\n    url: ${target.url}\n    workload: cache\n    match: { instance: "redis-cache-1:6379" }\napprovals:\n  approvers: [${APPROVER}]\n  twoPersonRule: true\n  expiresAfter: 15m\n`,
  );
  const config = loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-demo',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: `${slack.url}/api/`,
    SLACK_CHANNEL: CHANNEL,
    REDIS_URL: state.url,
    ALERTMANAGER_TOKEN: TOKEN,
    CONFIG_FILE: configFile,
    RUNBOOKS_DIR: join(import.meta.dirname, '..', 'runbooks'),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  });
  const bot = createBot(config, createLogger(config.env.LOG_LEVEL));
  started.push(() => bot.stop());
  const url = (await bot.start(0)) ?? '';
  console.log(`bot listening on ${url} (routing instance=redis-cache-1:6379 → cache-1, approvers: ${APPROVER})`);

  say('Alertmanager posts a captured RedisOutOfConfiguredMaxmemory notification (sent twice, as Alertmanager repeats)');
  const body = readFileSync(join(FIXTURES, '01-RedisOutOfConfiguredMaxmemory-firing.json'), 'utf8');
  for (let i = 0; i < 2; i++) {
    const res = await fetch(`${url}/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body,
    });
    console.log(`POST /alertmanager → ${res.status} ${await res.text()}`);
  }

  const inThread = () => slack.messages().filter((m) => m.threadTs);
  await slack.waitFor(() => inThread().some((m) => m.text.startsWith('Diagnosis')), {
    what: 'findings',
    timeoutMs: 60_000,
  });
  const proposal = await slack.waitFor(
    () => inThread().find((m) => approveValue(m) && /CONFIG SET maxmemory \d/.test(m.text)),
    { what: 'proposal', timeoutMs: 30_000 },
  );
  const root = slack.threads()[0]!.root;
  say(`The triage thread (${slack.threads().length} thread in #${CHANNEL})`);
  console.log(slack.renderThread(root));

  const click = (user: string) =>
    postSigned(
      `${url}/slack/events`,
      SECRET,
      blockActionBody({
        actionId: 'proposal_approve',
        value: approveValue(proposal)!,
        userId: user,
        channel: CHANNEL,
        messageTs: proposal.ts,
        threadTs: root.ts,
      }),
    );
  say(`${BYSTANDER} (not an approver) clicks Approve`);
  console.log(`POST /slack/events (signed block_actions) → ${(await click(BYSTANDER)).status}`);
  const refusal = await slack.waitFor(() => slack.ephemerals().find((m) => m.ephemeralTo === BYSTANDER), {
    what: 'refusal',
  });
  console.log(`only ${BYSTANDER} sees: ${refusal.text}`);

  say(`${APPROVER} (an approver) clicks Approve`);
  console.log(`POST /slack/events (signed block_actions) → ${(await click(APPROVER)).status}`);
  const result = await slack.waitFor(
    () => inThread().find((m) => /^Raise maxmemory on cache-1: (executed|failed|skipped)/.test(m.text)),
    { what: 'result', timeoutMs: 30_000 },
  );
  console.log(result.text);
  const [, maxmemory] = (await target.client().config('GET', 'maxmemory')) as [string, string];
  console.log(
    `target now reports maxmemory ${formatBytes(Number(maxmemory))} (was ${formatBytes(pressure.maxmemory)})`,
  );
  console.log(
    `a second click does nothing: ${(await click(APPROVER)).status}, then ` +
      (
        await slack.waitFor(
          () =>
            slack
              .ephemerals()
              .filter((m) => m.ephemeralTo === APPROVER)
              .at(-1),
          { what: 'second click reply' },
        )
      ).text,
  );

  say('Alertmanager posts the resolved notification');
  const resolved = readFileSync(join(FIXTURES, '09-RedisOutOfConfiguredMaxmemory-resolved.json'), 'utf8');
  const r = await fetch(`${url}/alertmanager`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: resolved,
  });
  console.log(`POST /alertmanager → ${r.status}`);
  await slack.waitFor(
    () => /:white_check_mark: resolved/.test(JSON.stringify(slack.messages().find((m) => m.ts === root.ts)?.blocks)),
    { what: 'resolved card', timeoutMs: 30_000 },
  );

  say('/incident export md, from the thread');
  const incidentId = (await bot.services.store.findByThread(CHANNEL, root.ts)) ?? '';
  const cmd = await postSigned(
    `${url}/slack/events`,
    SECRET,
    slashCommandBody({ command: '/incident', text: `export md ${incidentId}`, user_id: APPROVER, channel_id: CHANNEL }),
  );
  console.log(`POST /slack/events (signed slash command) → ${cmd.status} ${cmd.text}`);
  const file = await slack.waitFor(() => slack.files().find((f) => f.filename.endsWith('.md')), {
    what: 'postmortem upload',
    timeoutMs: 30_000,
  });

  say('The thread at the end');
  console.log(slack.renderThread(slack.threads()[0]!.root));
  say(`Postmortem ${file.filename} (uploaded with files.getUploadURLExternal + files.completeUploadExternal)`);
  console.log(file.content);
  say(
    `Slack Web API calls recorded: ${slack.calls.length} (${[...new Set(slack.calls.map((c) => c.method))].join(', ')})`,
  );
}

main()
  .then(async () => {
    await stopAll();
    say('Demo finished; everything it started is stopped.');
    process.exit(0);
  })
  .catch(async (err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    await stopAll();
    process.exit(1);
  });

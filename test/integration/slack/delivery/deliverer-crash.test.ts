import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../../../../src/devtools/wait-until.js';
import { cardText, keyOf, type OutboxHarness, startOutboxHarness, text } from '../../../support/outbox-harness.js';

const CH = 'C0INC';
const CHILD_LEASE_MS = 3_000;

/** Starts `outbox-deliverer-main.ts` under tsx and resolves once it prints `ready`. */
async function spawnDeliverer(h: OutboxHarness): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/outbox-deliverer-main.ts'], {
    env: {
      ...process.env,
      REDIS_URL: h.state.url,
      KEY_PREFIX: h.prefix,
      SLACK_API_URL: `${h.slack.url}/api/`,
      LEASE_MS: String(CHILD_LEASE_MS),
      CALL_TIMEOUT_MS: '800',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`deliverer process exited (${code}) before ready: ${stderr}`)));
  });
  return child;
}

describe('Slack outbox: a deliverer killed mid-delivery', () => {
  let h: OutboxHarness;
  let child: ChildProcess | undefined;

  beforeEach(async () => {
    h = await startOutboxHarness();
  });

  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    await h.stop();
  });

  it('killed after Slack took the post but before the ts was recorded: the next deliverer finds it, posts nothing twice', async () => {
    await h.redis.hset(`${h.prefix}:fakecard:INC-1`, { channel: CH, version: 1 });
    h.fake.cards.set('INC-1', { channel: CH, version: 1 });
    child = await spawnDeliverer(h);
    await h.outbox.oweNow({ kind: 'card', incidentId: 'INC-1' });
    const root = await h.slack.waitFor(() => h.slack.messages()[0], { what: 'the card' });

    // Slack stores the next post but its answer never comes back; the process dies holding the claim.
    h.slack.inject({ method: 'chat.postMessage', times: 1, answer: { hang: true, apply: true } });
    const tx = h.redis.multi();
    for (const n of [1, 2, 3]) {
      h.outbox.owe(tx, { kind: 'post', key: `note:${n}`, incidentId: 'INC-1', message: text(`note ${n}`) });
    }
    await tx.exec();
    await h.slack.waitFor(() => h.slack.calls.some((c) => c.fault === 'hang'), { what: 'the post in flight' });
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;

    const restarted = h.deliverer();
    await h.slack.waitFor(() => h.slack.threads()[0]?.replies.length === 3, {
      what: 'three replies',
      timeoutMs: CHILD_LEASE_MS + 15_000,
    });
    await waitUntil(async () => (await h.outbox.backlog()).every((b) => b.count === 0) || undefined, {
      what: 'an empty backlog',
    });
    const replies = h.slack.threads()[0]?.replies ?? [];
    expect(replies.map((r) => [r.text, keyOf(r)])).toEqual([
      ['note 1', 'note:1'],
      ['note 2', 'note:2'],
      ['note 3', 'note:3'],
    ]);
    expect(h.slack.messages()).toHaveLength(4);
    expect(h.slack.messages()[0]).toMatchObject({ ts: root.ts, text: cardText('INC-1', 1) });
    expect(await h.outbox.ts('note:1')).toEqual({ channel: CH, ts: replies[0]?.ts });
    expect(restarted.deliveries()).toContainEqual({ method: 'chat.postMessage', result: 'reconciled', count: 1 });
  });

  it('killed holding a claim it had not sent yet: the claim expires and the effect is delivered once', async () => {
    await h.redis.hset(`${h.prefix}:fakecard:INC-2`, { channel: CH, version: 1 });
    h.fake.cards.set('INC-2', { channel: CH, version: 1 });
    // The process claims, then hangs on a Slack that never answers; it is killed before anything reached Slack.
    h.slack.inject({ method: 'chat.postMessage', times: 1, answer: { hang: true } });
    child = await spawnDeliverer(h);
    await h.outbox.oweNow({ kind: 'post', key: 'note:1', incidentId: 'INC-2', message: text('note 1') });
    await h.slack.waitFor(() => h.slack.calls.some((c) => c.fault === 'hang'), { what: 'the card in flight' });
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;

    h.deliverer();
    await h.slack.waitFor(() => h.slack.threads()[0]?.replies.length === 1, {
      what: 'the card and its reply',
      timeoutMs: CHILD_LEASE_MS + 15_000,
    });
    expect(h.slack.threads().map((t) => [t.root.text, t.replies.map((r) => r.text)])).toEqual([
      [cardText('INC-2', 1), ['note 1']],
    ]);
    // The expired claim made the card's first post uncertain, so the new deliverer looked before posting it.
    expect(h.slack.calls.filter((c) => c.method === 'conversations.history')).toHaveLength(1);
  });
});

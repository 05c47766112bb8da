import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../../../../src/devtools/wait-until.js';
import { outboxGauges } from '../../../../src/slack/delivery/outbox.js';
import { cardText, keyOf, type OutboxHarness, startOutboxHarness, text } from '../../../support/outbox-harness.js';

const emptyBacklog = (h: OutboxHarness) =>
  waitUntil(async () => (await h.outbox.backlog()).every((b) => b.count === 0) || undefined, {
    what: 'an empty backlog',
    timeoutMs: 30_000,
  });

describe('Slack outbox: limits, replicas, permanent errors', () => {
  let h: OutboxHarness;

  beforeEach(async () => {
    h = await startOutboxHarness();
  });

  afterEach(async () => {
    await h.stop();
  });

  it('posts about once per second per channel after a short burst, each channel on its own pace', async () => {
    h.deliverer();
    for (let i = 1; i <= 7; i++) {
      const tx = h.redis.multi();
      h.outbox.owe(tx, { kind: 'post', key: `a:${i}`, channel: 'C0A', message: text(`a ${i}`) });
      h.outbox.owe(tx, { kind: 'post', key: `b:${i}`, channel: 'C0B', message: text(`b ${i}`) });
      await tx.exec();
    }
    await h.slack.waitFor(() => h.slack.messages().length === 14, { what: '14 posts', timeoutMs: 20_000 });
    for (const ch of ['C0A', 'C0B']) {
      const at = h.slack.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === ch).map((c) => c.at);
      expect(at).toHaveLength(7);
      // A burst of 3, then 1/s. The stand-in stamps a call when it arrives, later than the token was taken by a
      // varying client-side latency (a loaded machine adds hundreds of ms), so bounds leave room for that.
      const span = (i: number, j: number) => (at[j] ?? 0) - (at[i] ?? 0);
      expect(3 / (span(3, 6) / 1_000)).toBeLessThanOrEqual(1.25);
      expect(span(0, 6)).toBeGreaterThanOrEqual(3_000);
      for (let i = 4; i < at.length; i++) expect(span(i - 1, i)).toBeGreaterThanOrEqual(500);
      expect(
        h.slack
          .messages()
          .filter((m) => m.channel === ch)
          .map((m) => m.text),
      ).toEqual([1, 2, 3, 4, 5, 6, 7].map((i) => `${ch === 'C0A' ? 'a' : 'b'} ${i}`));
    }
    // Both channels ran side by side: B did not wait for A.
    const firstB = h.slack.calls.find((c) => c.args.channel === 'C0B')?.at ?? 0;
    const lastA = h.slack.calls.filter((c) => c.args.channel === 'C0A').at(-1)?.at ?? 0;
    expect(firstB).toBeLessThan(lastA);
  });

  it('two deliverers on one state Redis deliver every effect exactly once', async () => {
    const incidents = ['INC-1', 'INC-2', 'INC-3', 'INC-4'];
    for (const [i, inc] of incidents.entries()) h.fake.cards.set(inc, { channel: `C0${i}`, version: 1 });
    const a = h.deliverer({ concurrency: 4 });
    const b = h.deliverer({ concurrency: 4 });
    for (let n = 1; n <= 4; n++) {
      for (const inc of incidents) {
        const tx = h.redis.multi();
        h.outbox.owe(tx, { kind: 'card', incidentId: inc });
        h.outbox.owe(tx, { kind: 'post', key: `note:${inc}:${n}`, incidentId: inc, message: text(`${inc} #${n}`) });
        await tx.exec();
      }
    }
    await h.slack.waitFor(() => h.slack.messages().length >= 20, { what: '4 cards and 16 replies', timeoutMs: 30_000 });
    await emptyBacklog(h);
    const keys = h.slack.messages().map(keyOf);
    expect(new Set(keys).size).toBe(20);
    expect(h.slack.messages()).toHaveLength(20);
    for (const t of h.slack.threads()) {
      const inc = t.root.text.split(' ')[0];
      expect(t.replies.map((r) => r.text)).toEqual([1, 2, 3, 4].map((n) => `${inc} #${n}`));
    }
    const posts = (d: typeof a) =>
      d.deliveries().find((x) => x.method === 'chat.postMessage' && x.result === 'ok')?.count ?? 0;
    expect(posts(a) + posts(b)).toBe(20);
  });

  it('dead-letters a permanent Slack error at once, logs it once at error, and keeps delivering the rest', async () => {
    h.slack.inject({ method: 'chat.postMessage', channel: 'C0GONE', answer: { error: 'channel_not_found' } });
    const d = h.deliverer();
    await h.outbox.oweNow({ kind: 'post', key: 'gone:1', channel: 'C0GONE', message: text('lost 1') });
    await h.outbox.oweNow({ kind: 'post', key: 'gone:2', channel: 'C0GONE', message: text('lost 2') });
    await h.outbox.oweNow({ kind: 'post', key: 'ok:1', channel: 'C0OK', message: text('fine') });
    await h.slack.waitFor(() => h.slack.messages().length === 1, { what: 'the good post' });
    await emptyBacklog(h);
    expect(h.slack.calls.filter((c) => c.args.channel === 'C0GONE')).toHaveLength(2);
    const dead = await h.outbox.deadLetters();
    expect(dead.map((x) => [x.id, x.reason])).toEqual([
      ['post:gone:2', 'chat.postMessage channel_not_found'],
      ['post:gone:1', 'chat.postMessage channel_not_found'],
    ]);
    expect(dead[0]?.effect).toMatchObject({ kind: 'post', key: 'gone:2', channel: 'C0GONE' });
    expect(h.logs.filter((l) => l.level === 50 && /dead-lettered/.test(l.msg))).toHaveLength(1);
    expect(d.deliveries()).toContainEqual({ method: 'chat.postMessage', result: 'dead', count: 2 });
    // Owing it again once dead-lettered is a new attempt (an operator fixed the channel).
    expect(await h.outbox.oweNow({ kind: 'post', key: 'gone:1', channel: 'C0GONE', message: text('x') })).toBe(1);
  });

  it('redraws a posted message from state, after its post even when owed before it was delivered', async () => {
    h.fake.cards.set('INC-1', { channel: 'C0INC', version: 1 });
    h.fake.messages.set('proposal:P-1', 'proposal: approved by U0ALICE');
    const outage = h.slack.inject({ method: 'chat.postMessage', answer: { status: 503 } });
    h.deliverer();
    // A reply owed without its card: the card is owed too, so the thread exists before the reply.
    await h.outbox.oweNow({
      kind: 'post',
      key: 'proposal:P-1',
      incidentId: 'INC-1',
      message: text('proposal: pending'),
    });
    expect(await h.outbox.oweNow({ kind: 'redraw', key: 'proposal:P-1' })).toBe(1);
    expect(await h.outbox.oweNow({ kind: 'redraw', key: 'proposal:P-1' })).toBe(0);
    expect(await h.outbox.oweNow({ kind: 'redraw', key: 'never-posted' })).toBe(-1);
    await h.slack.waitFor(() => outage.hits >= 2, { what: 'failed posts' });
    outage.remove();
    const reply = await h.slack.waitFor(() => h.slack.threads()[0]?.replies[0], { what: 'the reply' });
    await emptyBacklog(h);
    expect(h.slack.threads()[0]?.root.text).toBe(cardText('INC-1', 1));
    const shown = h.slack.messages().find((m) => m.ts === reply.ts);
    expect(shown).toMatchObject({ text: 'proposal: approved by U0ALICE', edits: 1 });
  });

  it('shows backlog, age and dead letters as gauges while Slack is down', async () => {
    const outage = h.slack.inject({ answer: { status: 500 } });
    h.deliverer();
    h.fake.cards.set('INC-1', { channel: 'C0INC', version: 1 });
    await h.outbox.oweNow({ kind: 'post', key: 'n:1', incidentId: 'INC-1', message: text('one') });
    await h.slack.waitFor(() => outage.hits >= 2, { what: 'failed calls' });
    const gauges = await outboxGauges(h.outbox);
    const backlog = gauges.find((g) => g.name === 'rib_slack_outbox_backlog')?.values;
    expect(backlog).toEqual([
      { labels: { kind: 'card' }, value: 1 },
      { labels: { kind: 'post' }, value: 1 },
      { labels: { kind: 'redraw' }, value: 0 },
    ]);
    expect(gauges.map((g) => g.name)).toEqual([
      'rib_slack_outbox_backlog',
      'rib_slack_outbox_oldest_age_seconds',
      'rib_slack_outbox_dead_letters',
    ]);
    outage.remove();
    await emptyBacklog(h);
    expect((await h.outbox.backlog()).map((b) => b.oldestAgeSeconds)).toEqual([0, 0, 0]);
  });

  it('drops the card of an incident that is gone, with the replies waiting for it', async () => {
    const d = h.deliverer();
    await h.outbox.oweNow({ kind: 'post', key: 'n:1', incidentId: 'INC-9', message: text('orphan') });
    await emptyBacklog(h);
    expect(h.slack.calls.filter((c) => c.method.startsWith('chat.'))).toEqual([]);
    expect(await h.outbox.deadCount()).toBe(0);
    expect(d.deliveries()).toContainEqual({ method: 'card', result: 'dropped', count: 1 });
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../../../../src/devtools/wait-until.js';
import { cardKey } from '../../../../src/incidents/owed-effects.js';
import { cardText, keyOf, type OutboxHarness, startOutboxHarness, text } from '../../../support/outbox-harness.js';

const CH = 'C0INC';

describe('Slack outbox', () => {
  let h: OutboxHarness;

  beforeEach(async () => {
    h = await startOutboxHarness();
  });

  afterEach(async () => {
    await h.stop();
  });

  it('posts the card, then each reply once under its stable key, in the order owed', async () => {
    h.fake.cards.set('INC-1', { channel: CH, version: 1 });
    const tx = h.redis.multi().set(`${h.prefix}:incident:INC-1`, 'open');
    h.outbox.owe(tx, { kind: 'card', incidentId: 'INC-1' });
    h.outbox.owe(tx, { kind: 'post', key: 'findings:INC-1:d1', incidentId: 'INC-1', message: text('findings') });
    h.outbox.owe(tx, { kind: 'post', key: 'proposal:P-1', incidentId: 'INC-1', message: text('proposal') });
    const replies = await tx.exec();
    expect(replies?.map(([, v]) => v)).toEqual(['OK', 1, 1, 1]);
    // Owed again while pending: nothing more.
    expect(await h.outbox.oweNow({ kind: 'post', key: 'proposal:P-1', incidentId: 'INC-1', message: text('x') })).toBe(
      0,
    );

    h.deliverer();
    const thread = await h.slack.waitFor(() => h.slack.threads().find((t) => t.replies.length === 2), {
      what: 'the card and two replies',
    });
    expect(thread.root.text).toBe(cardText('INC-1', 1));
    expect(thread.replies.map((r) => [r.text, keyOf(r)])).toEqual([
      ['findings', 'findings:INC-1:d1'],
      ['proposal', 'proposal:P-1'],
    ]);
    const sent = await waitUntil(async () => h.outbox.ts('proposal:P-1'), { what: 'the proposal ts recorded' });
    expect(sent).toEqual({ channel: CH, ts: thread.replies[1]?.ts });
    expect(await h.outbox.cardTs('INC-1')).toEqual({ channel: CH, ts: thread.root.ts });
    expect(await h.outbox.ts(cardKey('INC-1'))).toEqual({ channel: CH, ts: thread.root.ts });

    // Owed again after delivery (a retried job): a no-op, nothing posted.
    expect(
      await h.outbox.oweNow({ kind: 'post', key: 'findings:INC-1:d1', incidentId: 'INC-1', message: text('again') }),
    ).toBe(0);
    await waitUntil(async () => (await h.outbox.backlog()).every((b) => b.count === 0) || undefined, {
      what: 'empty backlog',
    });
    expect(h.slack.messages()).toHaveLength(3);
  });

  it('coalesces card updates: 100 owes give a handful of calls and the card shows the last state', async () => {
    h.fake.cards.set('INC-1', { channel: CH, version: 0 });
    h.deliverer();
    for (let v = 1; v <= 100; v++) {
      // Each state change and the card it owes commit together, as the incident store will do.
      h.fake.cards.set('INC-1', { channel: CH, version: v });
      const tx = h.redis.multi().hset(`${h.prefix}:incident:INC-1`, 'version', v);
      h.outbox.owe(tx, { kind: 'card', incidentId: 'INC-1' });
      await tx.exec();
    }
    const card = await h.slack.waitFor(() => h.slack.messages().find((m) => m.text === cardText('INC-1', 100)), {
      what: 'the card at v100',
    });
    await waitUntil(async () => (await h.outbox.backlog()).every((b) => b.count === 0) || undefined, {
      what: 'empty backlog',
    });
    const calls = h.slack.calls.filter((c) => c.method === 'chat.postMessage' || c.method === 'chat.update');
    expect(calls[0]?.method).toBe('chat.postMessage');
    expect(calls.length).toBeLessThanOrEqual(4);
    expect(h.slack.messages()).toEqual([expect.objectContaining({ ts: card.ts, text: cardText('INC-1', 100) })]);
  });

  it('rides out Slack answering 500: everything owed is delivered once, in order, after recovery', async () => {
    const outage = h.slack.inject({ answer: { status: 500 } });
    h.deliverer();
    for (const inc of ['INC-1', 'INC-2']) {
      h.fake.cards.set(inc, { channel: `C0${inc.replace('-', '')}`, version: 1 });
      for (let i = 1; i <= 4; i++) {
        await h.outbox.oweNow({
          kind: 'post',
          key: `note:${inc}:${i}`,
          incidentId: inc,
          message: text(`${inc} #${i}`),
        });
      }
    }
    await h.slack.waitFor(() => outage.hits >= 6, { what: 'a few failed calls' });
    const backlog = await h.outbox.backlog();
    expect(backlog.find((b) => b.kind === 'post')?.count).toBe(8);
    expect(backlog.find((b) => b.kind === 'card')?.count).toBe(2);
    outage.remove();

    await h.slack.waitFor(() => h.slack.messages().length >= 10, { what: '2 cards and 8 replies', timeoutMs: 20_000 });
    await waitUntil(async () => (await h.outbox.backlog()).every((b) => b.count === 0) || undefined, {
      what: 'empty backlog',
    });
    const threads = h.slack.threads();
    expect(threads.map((t) => t.root.text).sort()).toEqual([cardText('INC-1', 1), cardText('INC-2', 1)]);
    for (const t of threads) {
      const inc = t.root.text.split(' ')[0];
      expect(t.replies.map((r) => r.text)).toEqual([1, 2, 3, 4].map((i) => `${inc} #${i}`));
    }
    expect(h.slack.messages()).toHaveLength(10);
    // The 500s left each first attempt uncertain, so the deliverer looked before posting again.
    expect(h.slack.calls.some((c) => c.method === 'conversations.history' && !c.fault)).toBe(true);
    expect(h.logs.filter((l) => l.level >= 40 && /Slack calls failing/.test(l.msg))).toHaveLength(1);
    expect(h.logs.some((l) => /succeed again/.test(l.msg))).toBe(true);
  });

  it('does not post twice when Slack posted but the answer was lost (500 or dropped socket)', async () => {
    h.fake.cards.set('INC-1', { channel: CH, version: 1 });
    h.slack.inject({ method: 'chat.postMessage', times: 1, answer: { status: 500, apply: true } });
    h.deliverer();
    await h.outbox.oweNow({ kind: 'card', incidentId: 'INC-1' });
    const root = await h.slack.waitFor(() => h.slack.messages()[0], { what: 'the card' });
    h.slack.inject({ method: 'chat.postMessage', times: 1, answer: { drop: true, apply: true } });
    await h.outbox.oweNow({ kind: 'post', key: 'note:1', incidentId: 'INC-1', message: text('one') });
    await h.outbox.oweNow({ kind: 'post', key: 'note:2', incidentId: 'INC-1', message: text('two') });
    await waitUntil(async () => (await h.outbox.backlog()).every((b) => b.count === 0) || undefined, {
      what: 'empty backlog',
    });
    expect(h.slack.messages().map((m) => m.text)).toEqual([cardText('INC-1', 1), 'one', 'two']);
    expect(await h.outbox.cardTs('INC-1')).toEqual({ channel: CH, ts: root.ts });
    expect((await h.outbox.ts('note:1'))?.ts).toBe(h.slack.messages()[1]?.ts);
  });

  it('a 429 on one channel delays only that channel; the other keeps flowing', async () => {
    const limited = h.slack.inject({
      method: 'chat.postMessage',
      channel: 'C0SLOW',
      times: 1,
      answer: { status: 429, retryAfter: 2 },
    });
    const d = h.deliverer();
    await h.outbox.oweNow({ kind: 'post', key: 'slow:1', channel: 'C0SLOW', message: text('slow 1') });
    await h.slack.waitFor(() => limited.hits === 1, { what: 'the 429' });
    const limitedAt = h.slack.calls.find((c) => c.fault === '429')?.at ?? 0;
    await h.outbox.oweNow({ kind: 'post', key: 'slow:2', channel: 'C0SLOW', message: text('slow 2') });
    for (let i = 1; i <= 3; i++) {
      await h.outbox.oweNow({ kind: 'post', key: `fast:${i}`, channel: 'C0FAST', message: text(`fast ${i}`) });
    }
    await h.slack.waitFor(() => h.slack.messages().length === 5, { what: 'all five posts' });
    const posted = (t: string) =>
      h.slack.calls.find((c) => c.method === 'chat.postMessage' && !c.fault && c.args.text === t)?.at ?? 0;
    // The slow channel waited out its Retry-After; the fast one did not wait for it.
    expect(posted('slow 1') - limitedAt).toBeGreaterThanOrEqual(1_950);
    expect(posted('fast 3')).toBeLessThan(posted('slow 1'));
    expect(
      h.slack
        .messages()
        .filter((m) => m.channel === 'C0SLOW')
        .map((m) => m.text),
    ).toEqual(['slow 1', 'slow 2']);
    expect(d.deliveries()).toContainEqual({ method: 'chat.postMessage', result: 'rate_limited', count: 1 });
  });

  it('a 429 on chat.update holds card updates only; posts in that channel keep flowing', async () => {
    h.fake.cards.set('INC-1', { channel: CH, version: 1 });
    h.deliverer();
    await h.outbox.oweNow({ kind: 'card', incidentId: 'INC-1' });
    await h.slack.waitFor(() => h.slack.messages()[0], { what: 'the card' });
    const limited = h.slack.inject({ method: 'chat.update', times: 1, answer: { status: 429, retryAfter: 2 } });
    h.fake.cards.set('INC-1', { channel: CH, version: 2 });
    await h.outbox.oweNow({ kind: 'card', incidentId: 'INC-1' });
    await h.slack.waitFor(() => limited.hits === 1, { what: 'the 429' });
    const limitedAt = h.slack.calls.find((c) => c.fault === '429')?.at ?? 0;
    await h.outbox.oweNow({ kind: 'post', key: 'n:1', incidentId: 'INC-1', message: text('reply') });
    await h.slack.waitFor(() => h.slack.messages().find((m) => m.text === cardText('INC-1', 2)), { what: 'card v2' });
    const at = (pred: (c: (typeof h.slack.calls)[number]) => boolean) => h.slack.calls.find(pred)?.at ?? 0;
    const updatedAt = at((c) => c.method === 'chat.update' && !c.fault);
    expect(updatedAt - limitedAt).toBeGreaterThanOrEqual(1_950);
    expect(at((c) => c.args.text === 'reply')).toBeLessThan(updatedAt);
  });

  it('gives up on an effect retried past its maximum age and logs it at error', async () => {
    h.slack.inject({ method: 'chat.postMessage', channel: 'C0DOWN', answer: { status: 500 } });
    h.deliverer({ maxAgeMs: 600 });
    await h.outbox.oweNow({ kind: 'post', key: 'old:1', channel: 'C0DOWN', message: text('too late') });
    await waitUntil(async () => (await h.outbox.deadCount()) === 1 || undefined, { what: 'a dead letter' });
    const [dead] = await h.outbox.deadLetters();
    expect(dead?.reason).toMatch(/^chat\.postMessage failed for \d+ min \(\d+ attempts\), last: http_500$/);
    expect(h.logs.filter((l) => l.level === 50).map((l) => l.msg)).toEqual([
      'outbox: gave up on a Slack effect; dead-lettered',
    ]);
    expect(h.slack.calls.filter((c) => c.args.channel === 'C0DOWN').length).toBeGreaterThan(1);
  });
});

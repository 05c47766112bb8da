import { LogLevel, WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SlackStandIn } from '../../src/devtools/slack-stand-in.js';

describe('SlackStandIn', () => {
  let s: SlackStandIn;
  let client: WebClient;

  beforeEach(async () => {
    s = await SlackStandIn.start();
    client = new WebClient('xoxb-not-a-real-token', {
      slackApiUrl: `${s.url}/api/`,
      retryConfig: { retries: 0 },
      logLevel: LogLevel.ERROR,
    });
  });

  afterEach(async () => {
    await s.close();
  });

  it('creates channels as Slack checks names, and records who is invited', async () => {
    const made = await client.conversations.create({ name: 'inc-3-checkout-down' });
    expect(made.channel).toMatchObject({ name: 'inc-3-checkout-down', is_private: false, creator: 'UBOT' });
    const id = made.channel?.id ?? '';
    const refused = async (name: string) =>
      client.conversations.create({ name }).then(
        () => 'created',
        (err: { data?: { error?: string } }) => err.data?.error,
      );
    expect(await refused('inc-3-checkout-down')).toBe('name_taken');
    expect(await refused('Inc 3')).toBe('invalid_name_specials');
    expect(await refused('x'.repeat(81))).toBe('invalid_name_maxlength');

    await client.conversations.invite({ channel: id, users: 'U0ALICE,U0BOB' });
    const again = await client.conversations.invite({ channel: id, users: 'U0ALICE' }).catch((e) => e.data?.error);
    expect(again).toBe('already_in_channel');
    expect(s.channels()).toEqual([
      { id, name: 'inc-3-checkout-down', isPrivate: false, members: ['UBOT', 'U0ALICE', 'U0BOB'] },
    ]);
    const unknown = await client.conversations
      .invite({ channel: 'C0NOPE', users: 'U0ALICE' })
      .catch((e) => e.data?.error);
    expect(unknown).toBe('channel_not_found');
    expect((await client.conversations.info({ channel: id })).channel?.name).toBe('inc-3-checkout-down');
  });

  it('answers auth.test like Slack', async () => {
    const res = await client.auth.test();
    expect(res).toMatchObject({ ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T0TEST', user: 'incident-bot' });
  });

  it('applies chat.update to the posted message', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: 'memory high' } }];
    const posted = await client.chat.postMessage({ channel: 'C0INC', text: 'memory high', blocks });
    expect(posted.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(posted.message?.text).toBe('memory high');

    await client.chat.update({ channel: 'C0INC', ts: posted.ts!, text: 'resolved', blocks: [] });

    expect(s.messages()).toEqual([{ channel: 'C0INC', ts: posted.ts, text: 'resolved', blocks: [], edits: 1 }]);
    expect(s.calls.map((c) => c.method)).toEqual(['chat.postMessage', 'chat.update']);
    expect(s.calls[0]?.args.blocks).toEqual(blocks);
    expect(s.calls[0]?.args).not.toHaveProperty('token');
  });

  it('rejects chat.update of an unknown ts with message_not_found', async () => {
    await expect(client.chat.update({ channel: 'C0INC', ts: '1.000001', text: 'x' })).rejects.toMatchObject({
      data: { ok: false, error: 'message_not_found' },
    });
  });

  it('groups replies under their root in threads()', async () => {
    const root = await client.chat.postMessage({ channel: 'C0INC', text: 'root' });
    const reply = await client.chat.postMessage({ channel: 'C0INC', text: 'reply', thread_ts: root.ts! });
    expect(reply.ts! > root.ts!).toBe(true);

    const threads = s.threads();
    expect(threads).toHaveLength(1);
    expect(threads[0]?.root.text).toBe('root');
    expect(threads[0]?.replies.map((r) => [r.text, r.threadTs])).toEqual([['reply', root.ts]]);
  });

  it('records ephemerals apart from messages', async () => {
    const root = await client.chat.postMessage({ channel: 'C0INC', text: 'root' });
    const res = await client.chat.postEphemeral({
      channel: 'C0INC',
      user: 'U0ALICE',
      text: 'not allowed',
      thread_ts: root.ts!,
    });
    expect(res.message_ts).toBeTruthy();
    expect(s.ephemerals()).toMatchObject([
      { channel: 'C0INC', text: 'not allowed', ephemeralTo: 'U0ALICE', threadTs: root.ts },
    ]);
    expect(s.messages()).toHaveLength(1);
  });

  it('stores a filesUploadV2 upload in its thread', async () => {
    const root = await client.chat.postMessage({ channel: 'C0INC', text: 'root' });
    const res = await client.filesUploadV2({
      channel_id: 'C0INC',
      thread_ts: root.ts!,
      filename: 'x.md',
      content: '# hi',
      title: 't',
    });
    expect(res.ok).toBe(true);
    expect(s.files()).toEqual([
      {
        id: expect.stringMatching(/^F/),
        filename: 'x.md',
        title: 't',
        channel: 'C0INC',
        threadTs: root.ts,
        content: '# hi',
      },
    ]);
    expect(s.calls.map((c) => c.method)).toEqual([
      'chat.postMessage',
      'files.getUploadURLExternal',
      'upload',
      'files.completeUploadExternal',
    ]);
    expect(s.renderThread(s.threads()[0]!.root)).toContain('file x.md "t" (4 bytes)');
  });

  it('renders a thread with blocks flattened to text', async () => {
    const root = await client.chat.postMessage({
      channel: 'C0INC',
      text: 'fallback',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'Redis memory high' } },
        {
          type: 'section',
          fields: [
            { type: 'mrkdwn', text: '*used* 95%' },
            { type: 'mrkdwn', text: '*max* 1gb' },
          ],
        },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'cache-1' }] },
        {
          type: 'actions',
          elements: [
            { type: 'button', action_id: 'a', value: '1', text: { type: 'plain_text', text: 'Approve' } },
            { type: 'button', action_id: 'r', value: '1', text: { type: 'plain_text', text: 'Reject' } },
          ],
        },
      ],
    });
    await client.chat.postMessage({ channel: 'C0INC', text: 'line one\nline two', thread_ts: root.ts! });

    const text = s.renderThread(s.threads()[0]!.root);
    expect(text.split('\n')).toEqual([
      `#C0INC ${root.ts} incident-bot`,
      '  Redis memory high',
      '  *used* 95% | *max* 1gb',
      '  cache-1',
      '  [Approve] [Reject]',
      expect.stringMatching(/^ {2}└ \d+\.\d+ incident-bot$/),
      '      line one',
      '      line two',
    ]);
  });

  it('answers unknown methods with unknown_method and still records them', async () => {
    await expect(client.apiCall('no.such.method', { a: 1 })).rejects.toMatchObject({
      data: { error: 'unknown_method' },
    });
    expect(s.calls).toMatchObject([{ method: 'no.such.method', args: { a: '1' } }]);
  });

  it('waitFor resolves on a later call', async () => {
    const waiting = s.waitFor(() => s.messages().find((m) => m.text === 'later'), { what: 'the later message' });
    await client.chat.postMessage({ channel: 'C0INC', text: 'earlier' });
    await client.chat.postMessage({ channel: 'C0INC', text: 'later' });
    await expect(waiting).resolves.toMatchObject({ text: 'later', channel: 'C0INC' });
  });

  it('waitFor rejects with what it waited for and the calls it saw', async () => {
    await client.chat.postMessage({ channel: 'C0INC', text: 'one' });
    await client.chat.postMessage({ channel: 'C0INC', text: 'two' });
    await client.auth.test();
    await expect(s.waitFor(() => s.files()[0], { timeoutMs: 50, what: 'the postmortem upload' })).rejects.toThrow(
      /timed out after 50 ms waiting for the postmortem upload; 3 calls recorded: chat\.postMessage ×2, auth\.test/,
    );
  });
});

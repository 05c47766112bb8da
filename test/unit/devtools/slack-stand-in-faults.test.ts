import { LogLevel, WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SlackStandIn } from '../../../src/devtools/slack-stand-in.js';

describe('SlackStandIn faults and history', () => {
  let s: SlackStandIn;
  let client: WebClient;

  beforeEach(async () => {
    s = await SlackStandIn.start();
    client = new WebClient('xoxb-not-a-real-token', {
      slackApiUrl: `${s.url}/api/`,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      logLevel: LogLevel.ERROR,
    });
  });

  afterEach(async () => {
    await s.close();
  });

  it('fails the next N matching calls only, by method and channel, and records them as faulted', async () => {
    const fault = s.inject({ method: 'chat.postMessage', channel: 'C0A', times: 2, answer: { status: 500 } });
    await expect(client.chat.postMessage({ channel: 'C0A', text: '1' })).rejects.toMatchObject({ statusCode: 500 });
    await client.chat.postMessage({ channel: 'C0B', text: 'other channel' });
    await client.auth.test();
    await expect(client.chat.postMessage({ channel: 'C0A', text: '2' })).rejects.toMatchObject({ statusCode: 500 });
    await client.chat.postMessage({ channel: 'C0A', text: '3' });
    expect(fault.hits).toBe(2);
    expect(s.messages().map((m) => m.text)).toEqual(['other channel', '3']);
    expect(s.calls.map((c) => c.fault ?? 'ok')).toEqual(['http 500', 'ok', 'ok', 'http 500', 'ok']);
  });

  it('answers 429 with Retry-After, Slack errors with ok:false, and lifts a fault on remove()', async () => {
    const limited = s.inject({ method: 'chat.update', answer: { status: 429, retryAfter: 7 } });
    await expect(client.chat.update({ channel: 'C0A', ts: '1.0', text: 'x' })).rejects.toMatchObject({
      code: 'slack_webapi_rate_limited_error',
      retryAfter: 7,
    });
    limited.remove();
    await expect(client.chat.update({ channel: 'C0A', ts: '1.0', text: 'x' })).rejects.toMatchObject({
      data: { error: 'message_not_found' },
    });
    s.inject({ times: 1, answer: { error: 'invalid_auth' } });
    await expect(client.auth.test()).rejects.toMatchObject({ data: { error: 'invalid_auth' } });
    await expect(client.auth.test()).resolves.toMatchObject({ ok: true });
  });

  it('lets a fault expire after forMs', async () => {
    s.inject({ forMs: -1, answer: { status: 503 } });
    await expect(client.auth.test()).resolves.toMatchObject({ ok: true });
    expect(s.calls[0]?.fault).toBeUndefined();
  });

  it('can apply a call and lose its answer (5xx, dropped socket, no answer)', async () => {
    s.inject({ times: 1, answer: { status: 502, apply: true } });
    await expect(client.chat.postMessage({ channel: 'C0A', text: 'posted anyway' })).rejects.toMatchObject({
      statusCode: 502,
    });
    s.inject({ times: 1, answer: { drop: true, apply: true } });
    await expect(client.chat.postMessage({ channel: 'C0A', text: 'dropped' })).rejects.toMatchObject({
      code: 'slack_webapi_request_error',
    });
    s.inject({ times: 1, answer: { hang: true } });
    const hanging = client.chat.postMessage({ channel: 'C0A', text: 'never' });
    hanging.catch(() => {});
    await s.waitFor(() => s.calls.some((c) => c.fault === 'hang'), { what: 'the hanging call' });
    expect(s.messages().map((m) => m.text)).toEqual(['posted anyway', 'dropped']);
  });

  it('lists a thread and a channel with their metadata (conversations.replies / history)', async () => {
    const meta = { event_type: 'rib_outbox', event_payload: { key: 'card:INC-1' } };
    const root = await client.chat.postMessage({ channel: 'C0A', text: 'root', metadata: meta });
    await client.chat.postMessage({ channel: 'C0A', text: 'r1', thread_ts: root.ts! });
    await client.chat.postMessage({ channel: 'C0A', text: 'r2', thread_ts: root.ts! });
    await client.chat.postMessage({ channel: 'C0A', text: 'top 2' });

    const replies = await client.conversations.replies({ channel: 'C0A', ts: root.ts!, limit: 2 });
    expect(replies.messages?.map((m) => m.text)).toEqual(['root', 'r1']);
    expect(replies.messages?.[0]?.metadata).toBeUndefined();
    expect(replies.has_more).toBe(true);
    const page2 = await client.conversations.replies({
      channel: 'C0A',
      ts: root.ts!,
      limit: 2,
      cursor: replies.response_metadata?.next_cursor ?? '',
    });
    expect(page2.messages?.map((m) => m.text)).toEqual(['r2']);

    const history = await client.conversations.history({ channel: 'C0A', include_all_metadata: true });
    expect(history.messages?.map((m) => m.text)).toEqual(['top 2', 'root']);
    expect(history.messages?.[1]?.metadata).toEqual(meta);
    expect(s.messages()[0]?.metadata).toEqual(meta);
    await expect(client.conversations.replies({ channel: 'C0A', ts: '9.9' })).rejects.toMatchObject({
      data: { error: 'thread_not_found' },
    });
  });
});

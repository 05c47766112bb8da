import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySlackRequest } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { blockActionBody, postSigned, signSlackRequest, slashCommandBody } from '../../src/devtools/slack-signer.js';

// The worked example from Slack's "Verifying requests from Slack" guide.
const DOC_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const DOC_TIMESTAMP = 1531420618;
const DOC_BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar' +
  '&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=' +
  '&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN' +
  '&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const DOC_SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';

function verify(secret: string, body: string, headers: Record<string, string>, nowMilliseconds?: number): void {
  verifySlackRequest({
    signingSecret: secret,
    body,
    headers: {
      'x-slack-signature': headers['X-Slack-Signature'] ?? '',
      'x-slack-request-timestamp': Number(headers['X-Slack-Request-Timestamp']),
    },
    ...(nowMilliseconds === undefined ? {} : { nowMilliseconds }),
  });
}

describe('signSlackRequest', () => {
  it('matches an HMAC computed independently and Slack documentation example', () => {
    const expected = `v0=${createHmac('sha256', DOC_SECRET).update(`v0:${DOC_TIMESTAMP}:${DOC_BODY}`).digest('hex')}`;
    expect(expected).toBe(DOC_SIGNATURE);
    expect(signSlackRequest(DOC_SECRET, DOC_BODY, DOC_TIMESTAMP)).toEqual({
      'Content-Type': 'application/x-www-form-urlencoded',
      'X-Slack-Request-Timestamp': String(DOC_TIMESTAMP),
      'X-Slack-Signature': DOC_SIGNATURE,
    });
  });

  it("is accepted by Bolt's verifier for a slash command and a button click", () => {
    const secret = 'test-signing-secret';
    const command = slashCommandBody({
      command: '/incident',
      text: 'status inc-1',
      user_id: 'U0ALICE',
      channel_id: 'C0INC',
    });
    const action = blockActionBody({
      actionId: 'approve',
      value: '{"incidentId":"inc-1"}',
      userId: 'U0ALICE',
      channel: 'C0INC',
      messageTs: '1700000000.000100',
      threadTs: '1700000000.000100',
    });
    for (const body of [command, action]) {
      expect(() => verify(secret, body, signSlackRequest(secret, body))).not.toThrow();
      expect(() => verify('wrong-secret', body, signSlackRequest(secret, body))).toThrow(/signature mismatch/);
    }
  });

  it('produces timestamps Bolt rejects as stale after five minutes', () => {
    const headers = signSlackRequest('s', 'a=b', 1_700_000_000);
    expect(() => verify('s', 'a=b', headers, 1_700_000_000_000 + 6 * 60_000)).toThrow(/stale/);
  });
});

describe('payload bodies', () => {
  it('form-encodes a slash command like Slack', () => {
    const params = new URLSearchParams(
      slashCommandBody({ command: '/incident', text: 'approve inc-1', user_id: 'U0ALICE', channel_id: 'C0INC' }),
    );
    expect(Object.fromEntries(params)).toMatchObject({
      command: '/incident',
      text: 'approve inc-1',
      user_id: 'U0ALICE',
      channel_id: 'C0INC',
      team_id: 'T0TEST',
      is_enterprise_install: 'false',
    });
    for (const key of [
      'token',
      'team_domain',
      'channel_name',
      'user_name',
      'api_app_id',
      'response_url',
      'trigger_id',
    ]) {
      expect(params.get(key)).toBeTruthy();
    }
    expect(params.has('thread_ts')).toBe(false);
  });

  it('wraps a block_actions payload in payload=', () => {
    const body = blockActionBody({
      actionId: 'approve',
      value: 'v',
      userId: 'U0ALICE',
      channel: 'C0INC',
      messageTs: '1700000000.000200',
      threadTs: '1700000000.000100',
      responseUrl: 'https://hooks.slack.com/actions/x',
    });
    expect(body.startsWith('payload=')).toBe(true);
    const payload: unknown = JSON.parse(new URLSearchParams(body).get('payload') ?? '');
    expect(payload).toMatchObject({
      type: 'block_actions',
      user: { id: 'U0ALICE', team_id: 'T0TEST' },
      container: {
        type: 'message',
        message_ts: '1700000000.000200',
        channel_id: 'C0INC',
        is_ephemeral: false,
        thread_ts: '1700000000.000100',
      },
      channel: { id: 'C0INC' },
      message: { type: 'message', ts: '1700000000.000200', thread_ts: '1700000000.000100' },
      response_url: 'https://hooks.slack.com/actions/x',
      actions: [{ action_id: 'approve', value: 'v', type: 'button', text: { type: 'plain_text', text: 'Approve' } }],
    });
  });
});

describe('postSigned', () => {
  it('delivers a body whose headers a receiver can verify', async () => {
    const secret = 'test-signing-secret';
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const headers = {
          'X-Slack-Signature': String(req.headers['x-slack-signature']),
          'X-Slack-Request-Timestamp': String(req.headers['x-slack-request-timestamp']),
        };
        try {
          verify(secret, body, headers);
          res.writeHead(200).end(`ok ${req.headers['content-type']}`);
        } catch (err) {
          res.writeHead(401).end((err as Error).message);
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
    try {
      const body = slashCommandBody({ command: '/incident', text: 'list', user_id: 'U0ALICE', channel_id: 'C0INC' });
      expect(await postSigned(url, secret, body)).toEqual({
        status: 200,
        text: 'ok application/x-www-form-urlencoded',
      });
      expect((await postSigned(url, 'other-secret', body)).status).toBe(401);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../../src/devtools/redis-process.js';
import { type FaultAnswer, SlackStandIn } from '../../../../src/devtools/slack-stand-in.js';
import { createDeliveryClient } from '../../../../src/slack/delivery/delivery-client.js';
import { classifySlackError } from '../../../../src/slack/delivery/slack-errors.js';

describe('classifySlackError', () => {
  let s: SlackStandIn;

  beforeAll(async () => {
    s = await SlackStandIn.start();
  });

  afterAll(async () => {
    await s.close();
  });

  /** The error a delivery client throws when the stand-in answers `answer` once. */
  async function thrown(answer: FaultAnswer, timeoutMs = 5_000): Promise<unknown> {
    s.inject({ times: 1, answer });
    const client = createDeliveryClient('xoxb-test', { slackApiUrl: `${s.url}/api`, timeoutMs });
    return client.chat.postMessage({ channel: 'C0A', text: 'x' }).then(
      () => undefined,
      (err: unknown) => err,
    );
  }

  it.each<[string, FaultAnswer, unknown]>([
    ['429 with Retry-After', { status: 429, retryAfter: 3 }, { kind: 'rate_limited', retryAfterMs: 3_000 }],
    ['HTTP 500', { status: 500 }, { kind: 'retry', uncertain: true, code: 'http_500' }],
    ['HTTP 503', { status: 503 }, { kind: 'retry', uncertain: true, code: 'http_503' }],
    ['HTTP 404', { status: 404 }, { kind: 'permanent', code: 'http_404' }],
    ['internal_error', { error: 'internal_error' }, { kind: 'retry', uncertain: true, code: 'internal_error' }],
    ['ratelimited in the body', { error: 'ratelimited' }, { kind: 'rate_limited', retryAfterMs: 1_000 }],
    ['invalid_auth', { error: 'invalid_auth' }, { kind: 'permanent', code: 'invalid_auth' }],
    ['channel_not_found', { error: 'channel_not_found' }, { kind: 'permanent', code: 'channel_not_found' }],
    ['not_in_channel', { error: 'not_in_channel' }, { kind: 'permanent', code: 'not_in_channel' }],
    ['invalid_blocks', { error: 'invalid_blocks' }, { kind: 'permanent', code: 'invalid_blocks' }],
    ['msg_too_long', { error: 'msg_too_long' }, { kind: 'permanent', code: 'msg_too_long' }],
    ['a dropped socket', { drop: true }, { kind: 'retry', uncertain: true, code: 'request_error' }],
  ])('%s', async (_name, answer, expected) => {
    expect(classifySlackError(await thrown(answer))).toMatchObject(expected as object);
  });

  it('a timeout is retried and may have reached Slack', async () => {
    expect(classifySlackError(await thrown({ hang: true }, 200))).toMatchObject({ kind: 'retry', uncertain: true });
  });

  it('a refused connection is retried and certainly did not reach Slack', async () => {
    const client = createDeliveryClient('xoxb-test', { slackApiUrl: `http://127.0.0.1:${await freePort()}/api/` });
    const err = await client.chat.postMessage({ channel: 'C0A', text: 'x' }).catch((e: unknown) => e);
    expect(classifySlackError(err)).toEqual({ kind: 'retry', uncertain: false, code: 'econnrefused' });
  });

  it('anything else is retried', () => {
    expect(classifySlackError(new Error('boom'))).toMatchObject({ kind: 'retry' });
  });
});

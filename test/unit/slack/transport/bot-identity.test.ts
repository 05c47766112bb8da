import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackStandIn } from '../../../../src/devtools/slack-stand-in.js';
import { BotIdentity } from '../../../../src/slack/transport/bot-identity.js';
import { createWebClient } from '../../../../src/slack/transport/slack-notifier.js';

describe('BotIdentity', () => {
  let slack: SlackStandIn;
  const authTests = () => slack.calls.filter((c) => c.method === 'auth.test').length;
  const identity = () => new BotIdentity(createWebClient('xoxb-test', `${slack.url}/api/`), 'xoxb-test');

  beforeAll(async () => {
    slack = await SlackStandIn.start();
  });
  afterAll(async () => {
    await slack.close();
  });

  it('asks Slack once however many requests authorize, concurrent ones included', async () => {
    const before = authTests();
    const id = identity();
    const results = await Promise.all(Array.from({ length: 20 }, () => id.authorize()));
    await id.authorize();
    expect(authTests() - before).toBe(1);
    expect(results[0]).toEqual({ botToken: 'xoxb-test', botId: 'BBOT', botUserId: 'UBOT' });
    expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
  });

  it('names SLACK_BOT_TOKEN when Slack refuses the token', async () => {
    const fault = slack.inject({ method: 'auth.test', times: 1, answer: { error: 'invalid_auth' } });
    await expect(identity().resolve()).rejects.toMatchObject({
      code: 'SLACK_API_REFUSED',
      message: expect.stringMatching(/^SLACK_BOT_TOKEN: Slack refused it \(invalid_auth\)/),
    });
    expect(fault.hits).toBe(1);
  });

  it('forgets a failed look-up, so the next request asks again', async () => {
    slack.inject({ method: 'auth.test', times: 1, answer: { error: 'fatal_error' } });
    const id = identity();
    const before = authTests();
    await expect(id.resolve()).rejects.toMatchObject({ code: 'SLACK_API_FAILED' });
    await expect(id.authorize()).resolves.toMatchObject({ botUserId: 'UBOT' });
    await id.authorize();
    expect(authTests() - before).toBe(2);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisProcess, startRedis } from '../../../src/devtools/redis-process.js';
import { blockActionBody, postSigned, slashCommandBody } from '../../../src/devtools/slack-signer.js';
import { APPROVER, CHANNEL, type Harness, SIGNING_SECRET, startHarness } from '../../support/bot-harness.js';

/**
 * Bolt, given a bot token without the bot's id, calls auth.test before every request it serves. The bot asks once,
 * at start-up, and authorizes every request from that answer.
 */
describe('auth.test', () => {
  let target: RedisProcess;
  let h: Harness;
  const authTests = () => h.slack.calls.filter((c) => c.method === 'auth.test');

  beforeAll(async () => {
    target = await startRedis();
    h = await startHarness({ targetUrl: target.url });
  });
  afterAll(async () => {
    await h?.stop();
    await target?.stop();
  });

  it('is called once at start-up and never per request (40 commands, 20 clicks)', async () => {
    // Before any Slack request arrived.
    expect(authTests()).toHaveLength(1);
    const events = `${h.url}/slack/events`;
    for (let i = 0; i < 40; i += 1) {
      const command = i % 2 === 0 ? '/incident' : '/redis';
      const res = await postSigned(
        events,
        SIGNING_SECRET,
        slashCommandBody({ command, text: 'help', user_id: APPROVER, channel_id: CHANNEL }),
      );
      expect(res.status).toBe(200);
      expect(res.text).toContain(command);
    }
    for (let i = 0; i < 20; i += 1) {
      const res = await postSigned(
        events,
        SIGNING_SECRET,
        blockActionBody({
          actionId: 'proposal_approve',
          value: `not a proposal ${i}`,
          userId: APPROVER,
          channel: CHANNEL,
          messageTs: '1700000000.000100',
        }),
      );
      expect(res.status).toBe(200);
    }
    // Each click was served (its listener ran and answered privately), and none cost an auth.test.
    await h.slack.waitFor(() => h.slack.ephemerals().filter((m) => /no valid proposal id/.test(m.text)).length === 20, {
      what: '20 private answers to the clicks',
    });
    expect(authTests()).toHaveLength(1);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisProcess, startRedis } from '../../../src/devtools/redis-process.js';
import { SlackStandIn } from '../../../src/devtools/slack-stand-in.js';
import { startBotProcess } from '../../support/bot-process.js';

/** `npm start` as an operator runs it, with Slack credentials that cannot work: it stops and says which. */
describe('start-up with Slack credentials that cannot work', () => {
  let state: RedisProcess;
  let slack: SlackStandIn;
  const env = () => ({
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_SIGNING_SECRET: 'test-signing-secret',
    SLACK_API_URL: `${slack.url}/api/`,
    SLACK_CHANNEL: 'C0INCIDENTS',
    REDIS_URL: state.url,
    PORT: '0',
    LOG_LEVEL: 'silent',
  });
  /** Starts the bot and resolves once it has exited on its own. */
  const run = async (extra: Record<string, string>) => {
    const bot = startBotProcess({ ...env(), ...extra });
    await bot.exited;
    return { code: bot.exitCode(), stderr: bot.stderr() };
  };

  beforeAll(async () => {
    state = await startRedis();
    slack = await SlackStandIn.start();
  });
  afterAll(async () => {
    await slack?.close();
    await state?.stop();
  });

  it('refuses a bot token Slack rejects (auth.test: invalid_auth), naming SLACK_BOT_TOKEN', async () => {
    slack.inject({ method: 'auth.test', times: 1, answer: { error: 'invalid_auth' } });
    const { code, stderr } = await run({});
    expect(code).toBe(2);
    expect(stderr).toMatch(/^redis-incident-bot: SLACK_BOT_TOKEN: Slack refused it \(invalid_auth\)/m);
  });
});

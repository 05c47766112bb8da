import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisProcess, startRedis } from '../../../src/devtools/redis-process.js';
import { SlackStandIn } from '../../../src/devtools/slack-stand-in.js';
import { SocketModeStandIn } from '../../../src/devtools/socket-mode-stand-in.js';
import { startBotProcess } from '../../support/bot-process.js';

/** `npm start` as an operator runs it, with Slack credentials that cannot work: it stops and says which. */
describe('start-up with Slack credentials that cannot work', () => {
  let state: RedisProcess;
  let slack: SlackStandIn;
  let socket: SocketModeStandIn;
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
    socket = await SocketModeStandIn.start({ slack, appToken: 'xapp-1-A0TESTAPP-1-0123456789abcdef' });
  });
  afterAll(async () => {
    await socket?.close();
    await slack?.close();
    await state?.stop();
  });

  it('refuses a bot token Slack rejects (auth.test: invalid_auth), naming SLACK_BOT_TOKEN', async () => {
    slack.inject({ method: 'auth.test', times: 1, answer: { error: 'invalid_auth' } });
    const { code, stderr } = await run({});
    expect(code).toBe(2);
    expect(stderr).toMatch(/^redis-incident-bot: SLACK_BOT_TOKEN: Slack refused it \(invalid_auth\)/m);
  });

  // Every malformed shape is covered by test/unit/config/load-config.test.ts; here, as the process reports one.
  it('refuses a malformed SLACK_APP_TOKEN (the bot token pasted instead) before connecting, saying what is wrong', async () => {
    const before = socket.connections.length;
    const { code, stderr } = await run({ SLACK_APP_TOKEN: 'xoxb-123-456-abcdef' });
    expect(code).toBe(2);
    expect(stderr).toBe(
      'redis-incident-bot: invalid environment:\nSLACK_APP_TOKEN: is the bot token (xoxb-…); Socket Mode needs the ' +
        'app-level token, xapp-… (Basic Information → App-Level Tokens, with the connections:write scope)\n',
    );
    expect(socket.connections.length).toBe(before);
  });

  it('refuses an app token Slack rejects (apps.connections.open: invalid_auth), naming SLACK_APP_TOKEN', async () => {
    const before = socket.connections.length;
    const { code, stderr } = await run({ SLACK_APP_TOKEN: 'xapp-1-A0TESTAPP-1-revokedrevoked' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^redis-incident-bot: SLACK_APP_TOKEN: Slack refused it \(invalid_auth\)/m);
    expect(socket.connections.length).toBe(before);
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../../../src/kernel/errors.js';
import { createWebClient, SlackNotifier } from '../../../../src/slack/transport/slack-notifier.js';

/** A Web API that answers every call `{ ok: false, error: <the channel name> }`, as Slack answers a refusal. */
describe('SlackNotifier errors', () => {
  let server: Server;
  let notifier: SlackNotifier;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        const channel = new URLSearchParams(body).get('channel') ?? 'unknown';
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: false, error: channel }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as AddressInfo;
    notifier = new SlackNotifier(createWebClient('xoxb-test', `http://127.0.0.1:${port}/api/`));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const codeOf = async (slackError: string) => {
    const err = await notifier.post(slackError, { text: 'hi', blocks: [] }).catch((e: unknown) => e);
    return isAppError(err) ? { code: err.code, slackError: err.details?.slackError } : err;
  };

  it('says SLACK_API_REFUSED for refusals no retry fixes', async () => {
    for (const e of ['invalid_auth', 'account_inactive', 'channel_not_found', 'not_in_channel']) {
      expect(await codeOf(e)).toEqual({ code: 'SLACK_API_REFUSED', slackError: e });
    }
  });

  it('keeps SLACK_API_FAILED (retried) for everything else', async () => {
    expect(await codeOf('internal_error')).toEqual({ code: 'SLACK_API_FAILED', slackError: 'internal_error' });
  });
});
